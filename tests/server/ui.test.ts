/**
 * The reviewer UI's static shell over HTTP (no browser): served without a token, under a policy
 * that allows scripts and styles from the service only (plus the report pages' one stylesheet,
 * by hash), with no inline script; the compiled browser modules are served as JavaScript, and
 * nothing else is. The browser test (ui.browser.test.ts) drives the pages themselves.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_CSS } from '../../src/reports/htmlPage.js';
import { buildApp } from '../../src/server/app.js';
import { UI_CSP, uiRoutes } from '../../src/server/ui/uiRoutes.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { DataFiles } from '../../src/store/files.js';
import { tempDir } from '../helpers/cli.js';
import { call } from './helpers.js';

let db: Db;
let app: FastifyInstance;
const s = { base: '' };

beforeAll(async () => {
  const dbPath = join(tempDir('cohortlink-ui-shell-'), 'service.db');
  db = openDatabase(dbPath);
  const files = DataFiles.besideDatabase(dbPath);
  files.init();
  // A public route group (outside the token scope), as `serve` registers it.
  ({ app } = await buildApp({ db, files, logger: false, publicRoutes: [uiRoutes] }));
  s.base = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  db?.close();
});

describe('reviewer UI shell', () => {
  it('serves the page without a token, under its own strict policy', async () => {
    const r = await call(s, 'GET', '/ui/');
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toBe(UI_CSP);
    const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    // The report frame (srcdoc) inherits this policy: the report's stylesheet is let in by its hash.
    const hash = createHash('sha256').update(REPORT_CSS).digest('base64');
    expect(directives.get('style-src')).toEqual(["'self'", `'sha256-${hash}'`]);
    expect(csp).not.toContain('unsafe-inline');
    // No inline script: every <script> has a src on this origin.
    const scripts = [...r.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\/ui\/[a-zA-Z]+\.js"/);
      expect(body).toBe('');
    }
    expect(r.text).not.toMatch(/style="|<style|https?:\/\//);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('redirects /ui to /ui/, serves the modules and the stylesheet, and nothing else', async () => {
    const redirect = await fetch(`${s.base}/ui`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/ui/');
    const main = await call(s, 'GET', '/ui/main.js');
    expect(main.status).toBe(200);
    expect(main.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // Its imports are sibling modules the service serves too.
    for (const [, name] of main.text.matchAll(/from '\.\/([A-Za-z]+\.js)'/g)) {
      const dep = await call(s, 'GET', `/ui/${name}`);
      expect(dep.status, name).toBe(200);
    }
    // Data goes in as text: no innerHTML/outerHTML/insertAdjacentHTML/document.write in the UI code.
    for (const name of [
      'main.js',
      'dom.js',
      'projectPage.js',
      'auditTrail.js',
      'reportPage.js',
      'signInPage.js',
    ]) {
      const code = (await call(s, 'GET', `/ui/${name}`)).text;
      expect(code, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
    const css = await call(s, 'GET', '/ui/app.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    for (const path of ['/ui/nope.js', '/ui/api.js.map', '/ui/..%2Fpackage.json', '/ui/main.ts']) {
      const r = await call(s, 'GET', path);
      expect([400, 404], path).toContain(r.status);
    }
  });

  it('keeps the API behind its token', async () => {
    expect((await call(s, 'GET', '/projects')).status).toBe(401);
  });
});
