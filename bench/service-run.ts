/**
 * A 1,000,000 × 1,000,000 many-to-one link through the service, against the CLI doing the same
 * link, and the status endpoint's latency while a run computes.
 *
 *   npm run build && node dist/bench/service-run.js [--left /tmp/scale/hospital.ndjson]
 *     [--right /tmp/scale/spine.ndjson] [--seconds 10] [--connections 100]
 *
 * 1. CLI: `cohortlink link … --mode many-to-one --workers 2` in a child process (wall time).
 * 2. Service: the real `cohortlink serve` in a child process (`--rate-limit 0`: the default
 *    600 requests per minute per token would answer autocannon with 429s), on a database where
 *    the datasets are registered directly (hard links into the data folder, as an upload would
 *    leave them); POST /projects/:id/runs over HTTP, polled every 250 ms until it succeeds.
 * 3. Status under load: a second run, with autocannon (a child process, 100 connections)
 *    hammering GET /runs/:id while it computes; p99 from autocannon's histogram.
 * Floors: service ≤ 1.25 × CLI; status p99 < 50 ms.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, createReadStream, linkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/store/db.js';
import { DataFiles } from '../src/store/files.js';
import { createToken } from '../src/store/tokens.js';

const { values: args } = parseArgs({
  options: {
    left: { type: 'string', default: '/tmp/scale/hospital.ndjson' },
    right: { type: 'string', default: '/tmp/scale/spine.ndjson' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    'skip-cli': { type: 'boolean', default: false },
  },
});
const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const AUTOCANNON = join(ROOT, 'node_modules/autocannon/autocannon.js');

function cliSeconds(): number {
  const out = mkdtempSync(join(tmpdir(), 'cohortlink-bench-cli-'));
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [CLI, 'link', '--left', args.left, '--right', args.right, '--output', join(out, 'links.csv')].concat([
      '--mode',
      'many-to-one',
      '--workers',
      '2',
    ]),
    { encoding: 'utf8' },
  );
  const s = (performance.now() - t0) / 1000;
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`cli link failed: ${r.stderr}`);
  return s;
}

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>)
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cohortlink-bench-service-'));
  const db = openDatabase(join(dir, 'cohortlink.db'));
  const files = DataFiles.besideDatabase(join(dir, 'cohortlink.db'));
  files.init();
  const at = new Date().toISOString();
  db.prepare('INSERT INTO organisation (id, name, created_at) VALUES (?, ?, ?)').run('org', 'Bench', at);
  db.prepare('INSERT INTO project (id, name, created_at) VALUES (?, ?, ?)').run('project', 'Bench', at);
  db.prepare('INSERT INTO project_member (project_id, organisation_id) VALUES (?, ?)').run('project', 'org');
  for (const [id, path] of [
    ['hospital', args.left],
    ['spine', args.right],
  ] as const) {
    try {
      linkSync(path, files.datasetPath(id));
    } catch {
      copyFileSync(path, files.datasetPath(id));
    }
    db.prepare(
      `INSERT INTO dataset (id, project_id, organisation_id, name, upload_id, records, bytes, created_at)
       VALUES (?, 'project', 'org', ?, ?, ?, 0, ?)`,
    ).run(id, id, `upload-${id}`, (await countLines(path)) - 2, at);
  }
  const { token } = createToken(db, { organisationId: 'org', role: 'provider' });
  // /metrics wants an admin (or the scraper's) token.
  const admin = createToken(db, { organisationId: 'org', role: 'admin' }).token;
  db.close();

  const server = await serve(join(dir, 'cohortlink.db'));
  const base = server.base;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

  const startRun = async (): Promise<string> => {
    const r = await fetch(`${base}/projects/project/runs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ datasets: ['hospital', 'spine'], mode: 'many-to-one' }),
    });
    if (r.status !== 202) throw new Error(`POST run: ${r.status} ${await r.text()}`);
    return ((await r.json()) as { id: string }).id;
  };
  const finish = async (id: string): Promise<{ state: string; seconds: number; error: unknown }> => {
    for (;;) {
      const s = (await (await fetch(`${base}/runs/${id}`, { headers })).json()) as {
        state: string;
        seconds: number;
        error: unknown;
      };
      if (s.state !== 'queued' && s.state !== 'running') return s;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const cli = args['skip-cli'] ? Number.NaN : cliSeconds();
  if (!args['skip-cli']) console.log(`cli link: ${cli.toFixed(1)} s`);

  const t0 = performance.now();
  const first = await finish(await startRun());
  const service = (performance.now() - t0) / 1000;
  if (first.state !== 'succeeded')
    throw new Error(`service run ${first.state}: ${JSON.stringify(first.error)}`);
  console.log(
    `service run: ${service.toFixed(1)} s request to succeeded (run ${first.seconds.toFixed(1)} s)`,
  );

  // Second run, keys kept from the first; status hammered while it computes.
  const t1 = performance.now();
  const id = await startRun();
  await loopDelay(base, admin); // resets the server's event-loop histogram: the next read covers the load only
  const cannon = await autocannon(`${base}/runs/${id}`, headers.authorization);
  const stall = await loopDelay(base, admin);
  const second = await finish(id);
  const loaded = (performance.now() - t1) / 1000;
  console.log(
    `status under load (${args.connections} connections, ${args.seconds} s, run ${second.state} in ${loaded.toFixed(1)} s): ` +
      `p50 ${cannon.p50} ms, p99 ${cannon.p99} ms, max ${cannon.max} ms, ${cannon.requests} requests, ${cannon.non2xx} non-2xx; ` +
      `server event-loop delay meanwhile p99 ${stall.p99} ms, max ${stall.max} ms`,
  );

  const ratio = service / cli;
  const floors = [
    ...(Number.isNaN(cli)
      ? []
      : [{ name: 'service ≤ 1.25 × CLI', ok: ratio <= 1.25, value: `${ratio.toFixed(2)} ×` }]),
    { name: 'status p99 < 50 ms', ok: cannon.p99 < 50 && cannon.non2xx === 0, value: `${cannon.p99} ms` },
  ];
  for (const f of floors) console.log(`${f.ok ? 'PASS' : 'FAIL'} ${f.name}: ${f.value}`);
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  if (floors.some((f) => !f.ok)) process.exitCode = 1;
}

/** `cohortlink serve` on a free port, without a rate limit and with warn-level logs. */
async function serve(dbPath: string): Promise<{ base: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--db', dbPath, '--log-level', 'warn', '--rate-limit', '0'],
    { stdio: ['ignore', 'inherit', 'pipe'] },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  process.once('exit', () => child.kill('SIGKILL'));
  const base = await new Promise<string>((resolvePromise, reject) => {
    const lines = createInterface({ input: child.stderr! });
    lines.on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) resolvePromise(m[1]!);
      else process.stderr.write(`serve: ${line}\n`);
    });
    void exited.then(() => reject(new Error('serve exited before listening')));
  });
  return { base, stop };
}

interface CannonResult {
  p50: number;
  p99: number;
  max: number;
  requests: number;
  non2xx: number;
}

/** The server's event-loop delay since its previous scrape of /metrics (milliseconds). */
async function loopDelay(base: string, adminToken: string): Promise<{ p99: number; max: number }> {
  const text = await (
    await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
  ).text();
  const at = (q: string): number => {
    const m = new RegExp(`^cohortlink_event_loop_delay_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(text);
    return m === null ? Number.NaN : Math.round(Number(m[1]) * 1000);
  };
  return { p99: at('0.99'), max: at('1') };
}

/** autocannon in its own process, so its load generation does not share the server's event loop. */
function autocannon(url: string, authorization: string): Promise<CannonResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        AUTOCANNON,
        '-c',
        args.connections,
        '-d',
        args.seconds,
        '-j',
        '-H',
        `authorization=${authorization}`,
        url,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}`));
      const r = JSON.parse(out) as {
        latency: { p50: number; p99: number; max: number };
        requests: { total: number };
        non2xx: number;
      };
      resolvePromise({
        p50: r.latency.p50,
        p99: r.latency.p99,
        max: r.latency.max,
        requests: r.requests.total,
        non2xx: r.non2xx,
      });
    });
  });
}

await main();
