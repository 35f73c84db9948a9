/**
 * Errors raised before any route runs answer with the service's error body and never quote the
 * URL back (issue 14, item 7): a malformed percent-encoding, a path segment over Fastify's 100
 * characters (414), a request line too long for Node's parser (431). Real HTTP, loopback.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRoutePlugin } from '../../src/server/routes/runs.js';
import { RunManager } from '../../src/server/runs/runManager.js';
import { call, startTestService, type TestService } from './helpers.js';
import { runsLayout } from './runs/fixture.js';

let s: TestService;
beforeAll(async () => {
  s = await startTestService({ rateLimitMax: 0 }, [
    async (app, ctx) =>
      runRoutePlugin({ runs: new RunManager({ db: ctx.db, layout: runsLayout(ctx.files), workers: 1 }) })(
        app,
        ctx,
      ),
  ]);
});
afterAll(async () => {
  await s?.close();
});

/** The stable body: exactly `{ error: { code, message, issues } }`. */
function stableBody(body: unknown, code: string): void {
  expect(body).toEqual({ error: { code, message: expect.any(String), issues: [] } });
}

/** A raw request line, so nothing on the client side normalises the URL first. */
function raw(requestLine: string): Promise<string> {
  const { port } = new URL(s.base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.on('connect', () => socket.write(`${requestLine}\r\nHost: x\r\nConnection: close\r\n\r\n`));
  });
}

describe('framework errors', () => {
  it('a malformed URL encoding is 400 CL_USAGE without the URL', async () => {
    for (const path of ['/runs/%E0%A4%A', '/projects/%E0%A4%A/datasets']) {
      const r = await call(s, 'GET', path, { token: s.adminToken });
      expect(r.status, r.text).toBe(400);
      stableBody(r.body, 'CL_USAGE');
      expect(r.text).not.toMatch(/%E0|E0%A4/i);
      expect(r.headers.get('content-type')).toMatch(/application\/json/);
      expect(r.headers.get('x-request-id')).toBeTruthy();
    }
  });

  it('a path segment over 100 characters is 414 CL_USAGE without the URL', async () => {
    const long = 'SECRETURL'.repeat(30);
    for (const path of [`/runs/${long}`, `/projects/${long}`]) {
      const r = await call(s, 'GET', path, { token: s.adminToken });
      expect(r.status, r.text).toBe(414);
      stableBody(r.body, 'CL_USAGE');
      expect(r.text).not.toContain('SECRETURL');
    }
  });

  it("a request line over Node's 16 KiB is 431 with the stable body", async () => {
    const answer = await raw(`GET /runs/${'SECRETURL'.repeat(2000)} HTTP/1.1`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    stableBody(body, 'CL_USAGE');
    expect(answer).not.toContain('SECRETURL');
  });

  it('a request that is not HTTP is 400 with the stable body', async () => {
    const answer = await raw('NOT HTTP AT ALL');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    stableBody(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)), 'CL_USAGE');
  });

  it('ordinary routes still answer', async () => {
    expect((await call(s, 'GET', '/healthz')).status).toBe(200);
    const r = await call(s, 'GET', '/runs/no-such-run', { token: s.adminToken });
    expect(r.status).toBe(404);
  });
});
