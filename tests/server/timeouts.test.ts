/**
 * No client can hold a connection for ever (issue 14): a client that sends headers and then
 * trickles its body, or sends nothing at all, is cut off by the request and idle timeouts.
 * Loopback only; every wait is bounded.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './helpers.js';

let s: TestService;
beforeAll(async () => {
  s = await startTestService({
    connectionTimeoutMs: 400,
    requestTimeoutMs: 1_200,
    headersTimeoutMs: 600,
    keepAliveTimeoutMs: 200,
  });
});
afterAll(async () => {
  await s?.close();
});

/** Opens a socket, runs `drive` on it, resolves with ms until the server closed it (or the cap). */
function closedAfter(drive: (write: (text: string) => void) => void, capMs: number): Promise<number> {
  const { port } = new URL(s.base);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(Number(port), '127.0.0.1');
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      clearInterval(trickle);
      socket.destroy();
      resolve(Date.now() - started);
    };
    let trickle: NodeJS.Timeout | undefined;
    socket.on('close', done);
    socket.on('error', done);
    socket.on('connect', () => {
      drive((text) => socket.write(text));
      trickle = setInterval(() => {
        if (!socket.destroyed) socket.write('x');
      }, 150);
    });
    timer = setTimeout(done, capMs);
  });
}

describe('timeouts', () => {
  it('cuts off a body trickled a byte at a time, within the request timeout', async () => {
    const ms = await closedAfter(
      (write) =>
        write(
          'POST /projects/p/datasets?name=x&uploadId=y HTTP/1.1\r\nHost: x\r\ncontent-type: application/x-ndjson\r\ncontent-length: 100000\r\n\r\n',
        ),
      8_000,
    );
    expect(ms).toBeLessThan(4_000);
  });

  it('cuts off a client that trickles its headers', async () => {
    const ms = await closedAfter((write) => write('GET /healthz HTTP/1.1\r\nX-Slow: '), 8_000);
    expect(ms).toBeLessThan(4_000);
  });

  it('still answers an ordinary request', async () => {
    const r = await fetch(`${s.base}/healthz`);
    expect(r.status).toBe(200);
  });
});
