/**
 * The reviewer web UI at /ui/: a static shell (shell.ts) and the compiled browser code. Loading
 * it needs no token (it holds no data); every data call it makes carries the token the user
 * pastes in, to the API routes, which check it as always. Registered outside the API's auth
 * scope (buildApp's `publicRoutes`).
 *
 * The page's policy allows scripts and styles from this origin only, plus the one inline
 * stylesheet of the report pages: a report is shown in a sandboxed `srcdoc` frame, and a srcdoc
 * document inherits its parent's policy, so the parent must admit the report's <style> (by hash,
 * not 'unsafe-inline').
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { CohortlinkError } from '../../errors.js';
import { REPORT_CSS } from '../../reports/htmlPage.js';
import type { RoutePlugin } from '../context.js';
import { UI_CSS, UI_HTML } from './shell.js';

const reportStyleHash = createHash('sha256').update(REPORT_CSS).digest('base64');

export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' 'sha256-${reportStyleHash}'`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The compiled browser code: beside this module once built, in dist/ when run from sources. */
function browserDir(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts')
    ? new URL('../../../dist/src/server/ui/browser/', here)
    : new URL('./browser/', here);
  return fileURLToPath(url);
}

/** name → contents of every compiled browser module (read once: they are a few kilobytes). */
function loadScripts(): Map<string, string> {
  const dir = browserDir();
  const scripts = new Map<string, string>();
  if (!existsSync(dir)) return scripts;
  for (const name of readdirSync(dir))
    if (/^[A-Za-z][A-Za-z0-9]*\.js$/.test(name)) scripts.set(name, readFileSync(`${dir}${name}`, 'utf8'));
  return scripts;
}

const fileParams = z.object({ file: z.string().regex(/^[A-Za-z][A-Za-z0-9]*\.(js|css)$/) });

export const uiRoutes: RoutePlugin = async (app) => {
  const scripts = loadScripts();
  const notBuilt = () =>
    new CohortlinkError('CL_NOT_READY', 'the reviewer UI is not built (npm run build compiles it)');
  const asset = (reply: FastifyReply, type: string, body: string) =>
    reply.header('content-type', type).header('cache-control', 'no-cache').send(body);
  // The shell sets its own policy; helmet's default is replaced, not merged.
  const shellHelmet = { helmet: { contentSecurityPolicy: false as const } };

  app.get('/ui', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/ui/'));
  app.get('/ui/', { ...shellHelmet, schema: { hide: true } }, async (_req, reply) => {
    if (!scripts.has('main.js')) throw notBuilt();
    reply.header('content-security-policy', UI_CSP);
    return asset(reply, 'text/html; charset=utf-8', UI_HTML);
  });
  app.get('/ui/:file', { schema: { hide: true, params: fileParams } }, async (req, reply) => {
    const { file } = req.params;
    if (file === 'app.css') return asset(reply, 'text/css; charset=utf-8', UI_CSS);
    const script = scripts.get(file);
    if (script === undefined) throw new CohortlinkError('CL_NOT_FOUND', `no UI file ${file}`);
    return asset(reply, 'text/javascript; charset=utf-8', script);
  });
};
