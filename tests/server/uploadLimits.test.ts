/**
 * Upload limits that bound what one request costs (issue 14, docs/service-design.md "Upload
 * limits"), over real HTTP: a gzip bomb of blank lines, a gzip body of valid but degenerate
 * records expanding past the ratio, a line far over the limit, many blank lines in an
 * attributes upload, and a client that stalls past the time budget. Each refusal is a 4xx with
 * its own code naming the line and never quoting it; the temp file is gone when the answer
 * arrives, nothing is stored, and the service's log line says how little it read and wrote.
 */
import { readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { readAttributes } from '../../src/cohort/attributes/index.js';
import { createDisclosureKey } from '../../src/cohort/disclosure/index.js';
import type { ServiceConfigInput } from '../../src/server/config.js';
import { cohortRoutePlugin } from '../../src/server/routes/cohort.js';
import { createOrganisation } from '../../src/store/repos/organisations.js';
import { addMember, createProject } from '../../src/store/repos/projects.js';
import { createToken } from '../../src/store/tokens.js';
import { call, encodingsNdjson, startTestService, type TestService, uploadId } from './helpers.js';

let s: TestService | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const MiB = 1024 ** 2;
const NDJSON = { 'content-type': 'application/x-ndjson' };
const GZIP = { ...NDJSON, 'content-encoding': 'gzip' };

async function service(config: ServiceConfigInput = {}): Promise<{ token: string; projectId: string }> {
  s = await startTestService({ rateLimitMax: 0, ...config }, [
    cohortRoutePlugin({ key: createDisclosureKey('upload limits test disclosure secret') }),
  ]);
  const org = createOrganisation(s.db, 'Provider');
  const project = createProject(s.db, 'P');
  addMember(s.db, project.id, org.id);
  return {
    token: createToken(s.db, { organisationId: org.id, role: 'provider' }).token,
    projectId: project.id,
  };
}

const datasetsUrl = (projectId: string) => `/projects/${projectId}/datasets?name=d&uploadId=${uploadId()}`;

/** What the service logged about the refused upload (counts only). */
function uploadCost(svc: TestService): {
  wireBytes: number;
  bodyBytes: number;
  writtenBytes: number;
  line: number;
} {
  const entry = svc.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'upload stopped');
  expect(entry, 'no "upload stopped" log line').toBeDefined();
  if (process.env.COHORTLINK_FIGURES) console.log(expect.getState().currentTestName, entry.upload);
  return entry.upload;
}

/** Nothing kept: no temp file, no dataset row or file. */
function nothingStored(svc: TestService): void {
  expect(svc.files.temps()).toEqual([]);
  expect(readdirSync(svc.files.datasetsDir)).toEqual([]);
  expect(svc.db.prepare('SELECT count(*) AS n FROM dataset').get()).toEqual({ n: 0 });
}

/** A body of `total` bytes of `fill` sent 64 KiB at a time, counting what the client was asked for. */
function counted(head: string, fill: string, total: number): { stream: ReadableStream; sent: () => number } {
  let sent = 0;
  const chunk = new TextEncoder().encode(fill.repeat(Math.ceil(65_536 / fill.length)).slice(0, 65_536));
  let first = true;
  const stream = new ReadableStream({
    pull(c) {
      if (first) {
        first = false;
        sent += head.length;
        c.enqueue(new TextEncoder().encode(head));
      } else if (sent >= total) c.close();
      else {
        sent += chunk.length;
        c.enqueue(chunk);
      }
    },
  });
  return { stream, sent: () => sent };
}

describe('encodings uploads', () => {
  it('refuses a gzip bomb of blank lines at the first blank line over the limit, having written nothing', async () => {
    const { token, projectId } = await service();
    // 100 MB of newlines, about 100 KB compressed.
    const bomb = gzipSync(Buffer.alloc(100 * MiB, 10), { level: 9 });
    expect(bomb.length).toBeLessThan(200 * 1024);
    const r = await call(s!, 'POST', datasetsUrl(projectId), { token, body: bomb, headers: GZIP });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.code).toBe('CL_BLANK_LINES');
    expect(r.body.error.issues).toEqual([
      { path: 'line 101', message: 'is a blank line over the limit of 100 per upload' },
    ]);
    const cost = uploadCost(s!);
    expect(cost.line).toBe(101);
    // Refused inside the first decompressed chunk: nothing written, a few KiB inflated.
    expect(cost.writtenBytes).toBe(0);
    expect(cost.bodyBytes).toBeLessThanOrEqual(64 * 1024);
    nothingStored(s!);
  });

  it('refuses a gzip body that expands past the ratio, though every line is valid', async () => {
    const { token, projectId } = await service({ inflateFloorBytes: MiB });
    // Valid records with identical (empty) filters: what a file with no identifiers looks like.
    const lines = encodingsNdjson({ records: 0, filterBits: 1024 }).slice(0, 1);
    const clk = Buffer.alloc(128).toString('base64');
    for (let i = 0; i < 60_000; i++)
      lines.push(`{"ref":"R${String(i).padStart(9, '0')}","clk":"${clk}","blocks":{}}`);
    const raw = Buffer.from(`${lines.join('\n')}\n`);
    const body = gzipSync(raw, { level: 9 });
    expect(raw.length / body.length).toBeGreaterThan(40);
    const r = await call(s!, 'POST', datasetsUrl(projectId), { token, body, headers: GZIP });
    expect(r.status, r.text).toBe(413);
    expect(r.body.error.code).toBe('CL_DECOMPRESSION_RATIO');
    expect(r.body.error.issues[0].path).toMatch(/^line \d+$/);
    const cost = uploadCost(s!);
    // Stopped once past max(20 × compressed bytes read, the floor): far short of the 12 MB.
    expect(cost.bodyBytes).toBeGreaterThan(MiB);
    expect(cost.bodyBytes).toBeLessThanOrEqual(Math.max(20 * cost.wireBytes, MiB) + 64 * 1024);
    expect(cost.bodyBytes).toBeLessThan(raw.length / 2);
    expect(cost.writtenBytes).toBeLessThan(cost.bodyBytes);
    nothingStored(s!);
  });

  it('refuses a 17 MB line as it passes the line limit, without reading or keeping the rest', async () => {
    const { token, projectId } = await service();
    const header = `${encodingsNdjson({ records: 0 })[0]}\n`;
    const body = counted(header, 'SECRET-LINE-', 17 * MiB);
    const r = await call(s!, 'POST', datasetsUrl(projectId), { token, body: body.stream, headers: NDJSON });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.code).toBe('CL_LINE_TOO_LONG');
    expect(r.body.error.issues).toEqual([{ path: 'line 2', message: `is longer than ${256 * 1024} bytes` }]);
    expect(r.text).not.toContain('SECRET-LINE');
    expect(s!.logs.join('\n')).not.toContain('SECRET-LINE');
    const cost = uploadCost(s!);
    expect(cost.line).toBe(2);
    // At most the limit and one chunk were read; less than that was written.
    expect(cost.bodyBytes).toBeLessThanOrEqual(header.length + 256 * 1024 + 64 * 1024);
    expect(cost.writtenBytes).toBeLessThanOrEqual(header.length + 256 * 1024);
    // The client was not made to send the whole line (socket buffers hold a little more).
    expect(body.sent()).toBeLessThan(17 * MiB);
    nothingStored(s!);
  });

  it('answers 408 CL_TIMEOUT naming the line when a client stalls past the time budget', async () => {
    const { token, projectId } = await service({ uploadTimeBudgetMs: 300 });
    const header = `${encodingsNdjson({ records: 0 })[0]}\n`;
    let stalled: (() => void) | undefined;
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(header));
      },
      // Never sends more, until the test ends.
      pull: () =>
        new Promise<void>((resolve) => {
          stalled = resolve;
        }),
    });
    const r = await call(s!, 'POST', datasetsUrl(projectId), { token, body: stream, headers: NDJSON });
    stalled?.();
    expect(r.status, r.text).toBe(408);
    expect(r.body.error.code).toBe('CL_TIMEOUT');
    expect(r.body.error.issues).toEqual([{ path: 'line 2', message: expect.stringMatching(/time budget/) }]);
    expect(r.headers.get('connection')).toBe('close');
    nothingStored(s!);
  });
});

describe('attribute and event uploads', () => {
  async function withDataset(config: ServiceConfigInput = {}) {
    const p = await service(config);
    const up = await call(s!, 'POST', datasetsUrl(p.projectId), {
      token: p.token,
      body: `${encodingsNdjson({ records: 20 }).join('\n')}\n`,
      headers: NDJSON,
    });
    expect(up.status, up.text).toBe(201);
    return { ...p, url: `/projects/${p.projectId}/datasets/${up.body.id}` };
  }

  it('refuses many blank lines at the first one over the limit, before the reader runs', async () => {
    const { token, url } = await withDataset();
    const body = `{"ref":"r0","deceased":false}\n${'\n'.repeat(1_000_000)}`;
    const r = await call(s!, 'POST', `${url}/attributes`, { token, body, headers: NDJSON });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.code).toBe('CL_BLANK_LINES');
    expect(r.body.error.issues[0].path).toBe('line 102');
    expect(uploadCost(s!).writtenBytes).toBeLessThanOrEqual(64 * 1024);
    expect(s!.files.temps()).toEqual([]);
    expect(s!.db.prepare('SELECT count(*) AS n FROM cohort_file').get()).toEqual({ n: 0 });
  });

  it('refuses an over-long events line as it passes the limit', async () => {
    const { token, url } = await withDataset({ maxLineBytes: 4096 });
    const body = counted('ref,system,code,date\nr0,ICD-10,', 'SECRET-CODE-', 8 * MiB);
    const r = await call(s!, 'POST', `${url}/events`, {
      token,
      body: body.stream,
      headers: { 'content-type': 'text/csv' },
    });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.code).toBe('CL_LINE_TOO_LONG');
    expect(r.body.error.issues).toEqual([{ path: 'line 2', message: 'is longer than 4096 bytes' }]);
    expect(r.text + s!.logs.join('\n')).not.toContain('SECRET-CODE');
    expect(uploadCost(s!).bodyBytes).toBeLessThanOrEqual(4096 + 64 * 1024 + 64);
    expect(s!.files.temps()).toEqual([]);
  });
});

describe('the validation pass of an attributes upload', () => {
  it('stops with CL_TIMEOUT naming the line once the request budget is spent', async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await readAttributes(Readable.from(['{"ref":"A","deceased":false}\n']), {
      dataset: 'd',
      knownRefs: new Set(['A']),
      label: 'the upload',
      signal: controller.signal,
    }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'CL_TIMEOUT', issues: [{ path: 'line 1' }] });
  });
});
