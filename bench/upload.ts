/**
 * `npm run bench:upload [-- --file F] [-- --gzip]`: one encodings upload over loopback HTTP into
 * a fresh service, timed from the first byte sent to the answer. The target is a 1M-encodings
 * file (~355 MB) in under 30 s; the client streams the file (node:http, no buffering) while
 * the service validates every line and writes it to its data folder.
 *
 * Client and server share this process (and its event loop), so the figure is pessimistic
 * against a separate client such as curl.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { buildApp } from '../src/server/app.js';
import { openDatabase } from '../src/store/db.js';
import { DataFiles } from '../src/store/files.js';
import { createOrganisation } from '../src/store/repos/organisations.js';
import { addMember, createProject } from '../src/store/repos/projects.js';
import { createToken } from '../src/store/tokens.js';

const args = process.argv.slice(2);
const file = args.includes('--file') ? args[args.indexOf('--file') + 1]! : '/tmp/scale/hospital.ndjson';
const gzip = args.includes('--gzip');
if (!existsSync(file)) {
  process.stderr.write(`no ${file}: make one with cohortlink generate + encode, or pass --file\n`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'cohortlink-bench-upload-'));
const dbPath = join(dir, 'bench.db');
const db = openDatabase(dbPath);
const files = DataFiles.besideDatabase(dbPath);
files.init();
const org = createOrganisation(db, 'Bench');
const project = createProject(db, 'Bench');
addMember(db, project.id, org.id);
const { token } = createToken(db, { organisationId: org.id, role: 'provider' });
const { app } = await buildApp({ db, files, logger: false });

try {
  const base = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
  const started = performance.now();
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: `/projects/${project.id}/datasets?name=bench&uploadId=${randomUUID()}`,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/x-ndjson',
          ...(gzip ? { 'content-encoding': 'gzip' } : { 'content-length': statSync(file).size }),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const source = createReadStream(file, { highWaterMark: 1 << 20 });
    (gzip ? pipeline(source, createGzip({ level: 1 }), req) : pipeline(source, req)).catch(reject);
  });
  const seconds = (performance.now() - started) / 1000;
  if (answer.status !== 201) throw new Error(`upload failed: ${answer.status} ${answer.body}`);
  const { records, bytes } = JSON.parse(answer.body) as { records: number; bytes: number };
  process.stdout.write(
    `upload ${gzip ? '(gzip level 1, compressed by the client in the timing) ' : ''}of ${records.toLocaleString('en-GB')} encodings, ` +
      `${(bytes / 1e6).toFixed(0)} MB: ${seconds.toFixed(2)} s — ${(bytes / 1e6 / seconds).toFixed(0)} MB/s, ` +
      `${Math.round(records / seconds).toLocaleString('en-GB')} encodings/s\n`,
  );
} finally {
  await app.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
