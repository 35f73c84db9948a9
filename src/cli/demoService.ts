/**
 * `cohortlink demo --serve`: the demo's encodings handed to the linkage service the way its
 * users would — over HTTP, each organisation with its own token — then linked there and left
 * running, ready to query. A fresh database in the demo folder each time; the tokens go to a
 * 0600 file, never to the terminal.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createDisclosureKey } from '../cohort/disclosure/index.js';
import { CohortlinkError } from '../errors.js';
import { serviceRoutes } from '../server/serviceRoutes.js';
import { type RunningService, startService } from '../server/start.js';
import { openDatabase } from '../store/db.js';
import { initAdmin } from '../store/initAdmin.js';

export interface DemoServiceOptions {
  readonly dir: string;
  readonly port: number;
  /** Derived datasets to upload and link to the spine, by file stem. */
  readonly datasets: readonly string[];
}

/** Printed as an example: adults 40–75 with type 2 diabetes (ICD-10 E11). */
const FEASIBILITY_EXAMPLE = JSON.stringify({
  criteria: {
    format: 'cohortlink-criteria/1',
    where: {
      all: [
        { age: { min: 40, max: 75, at: '2026-12-01' } },
        { event: { system: 'ICD-10', codes: ['E11*'] } },
      ],
    },
  },
});

interface Client {
  call<T>(method: string, path: string, token: string, body?: unknown): Promise<T>;
  upload(path: string, token: string, file: string, type?: string): Promise<{ id: string }>;
}

export async function serveDemo(o: DemoServiceOptions): Promise<RunningService> {
  const dbPath = join(o.dir, 'service.db');
  for (const p of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}.files`])
    rmSync(p, { recursive: true, force: true });
  const db = openDatabase(dbPath);
  const adminToken = (() => {
    try {
      return initAdmin(db, 'cohortlink operator (demo)').token;
    } finally {
      db.close();
    }
  })();
  // A demo-only disclosure secret, kept beside the demo's other secret and never printed.
  const disclosureFile = join(o.dir, 'disclosure.key');
  if (!existsSync(disclosureFile))
    writeFileSync(disclosureFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
  const key = createDisclosureKey(new Uint8Array(readFileSync(disclosureFile)));
  const service = await startService({
    dbPath,
    port: o.port,
    host: '127.0.0.1',
    logger: { level: 'warn' },
    ...serviceRoutes(key),
  });
  try {
    const client = httpClient(service.address);
    const org = async (name: string, role: string) => {
      const { id } = await client.call<{ id: string }>('POST', '/organisations', adminToken, { name });
      const { token } = await client.call<{ token: string }>(
        'POST',
        `/organisations/${id}/tokens`,
        adminToken,
        {
          role,
          label: 'demo',
        },
      );
      return { id, name, role, token };
    };
    const spineHolder = await org('NHS spine holder (demo)', 'provider');
    const holders = await Promise.all(o.datasets.map((d) => org(`${d} (demo)`, 'provider')));
    const researcher = await org('Trial research team (demo)', 'researcher');
    const reviewer = await org('Governance reviewers (demo)', 'reviewer');
    const everyone = [spineHolder, ...holders, researcher, reviewer];
    const project = await client.call<{ id: string }>('POST', '/projects', adminToken, {
      name: 'Demo linkage',
      members: everyone.map((x) => x.id),
    });
    // Each holder uploads its encodings, then its records' attributes and clinical events.
    const uploadAll = async (name: string, token: string): Promise<{ id: string }> => {
      const ds = await client.upload(
        `/projects/${project.id}/datasets?name=${name}&uploadId=demo-${name}-1`,
        token,
        join(o.dir, `${name}.ndjson`),
      );
      const base = `/projects/${project.id}/datasets/${ds.id}`;
      await client.upload(`${base}/attributes`, token, join(o.dir, `${name}.attributes.ndjson`));
      await client.upload(`${base}/events`, token, join(o.dir, `${name}.events.csv`), 'text/csv');
      return ds;
    };
    const spine = await uploadAll('spine', spineHolder.token);
    const runs: { dataset: string; runId: string }[] = [];
    let register: string | undefined;
    for (const [k, d] of o.datasets.entries()) {
      if (d === 'optout') {
        // The National Data Opt-out register: encodings only, marked as the project's register.
        // It is not linked in a run of its own: the service applies it to every run's cohorts.
        const reg = await client.upload(
          `/projects/${project.id}/datasets?name=${d}&uploadId=demo-${d}-1`,
          holders[k]!.token,
          join(o.dir, `${d}.ndjson`),
        );
        await client.call('PUT', `/projects/${project.id}/datasets/${reg.id}/role`, holders[k]!.token, {
          role: 'optout',
        });
        register = d;
        continue;
      }
      const ds = await uploadAll(d, holders[k]!.token);
      const run = await client.call<{ id: string }>(
        'POST',
        `/projects/${project.id}/runs`,
        researcher.token,
        {
          datasets: [ds.id, spine.id],
          mode: 'many-to-one',
          threshold: 'auto',
        },
      );
      runs.push({ dataset: d, runId: run.id });
    }
    for (const r of runs) {
      for (;;) {
        const s = await client.call<{ state: string; error?: { message: string } | null }>(
          'GET',
          `/runs/${r.runId}`,
          researcher.token,
        );
        if (s.state === 'succeeded') break;
        if (s.state === 'failed' || s.state === 'cancelled')
          throw new CohortlinkError(
            'CL_INTERNAL',
            `demo run for ${r.dataset} ${s.state}: ${s.error?.message ?? ''}`,
          );
        await new Promise((res) => setTimeout(res, 250));
      }
    }
    // Opt-outs applied: the example feasibility question on the first run, as a researcher sees it.
    const optedOut =
      runs[0] === undefined
        ? undefined
        : await client.call<{
            excluded: { optedOut: { display: string }; byExclusionMatch: { display: string } };
          }>('POST', `/runs/${runs[0].runId}/feasibility`, researcher.token, JSON.parse(FEASIBILITY_EXAMPLE));
    const tokensFile = join(o.dir, 'service-tokens.json');
    writeFileSync(
      tokensFile,
      `${JSON.stringify({ url: service.address, projectId: project.id, admin: adminToken, organisations: everyone, runs }, null, 2)}\n`,
      { mode: 0o600 },
    );
    const first = runs[0];
    process.stdout.write(
      [
        `linkage service ready on ${service.address} (API docs: ${service.address}/docs); database ${dbPath}`,
        `project ${project.id}: spine and ${o.datasets.join(', ')} uploaded by their own organisations and linked (${runs.length} runs)`,
        ...(optedOut !== undefined
          ? [
              `opt-outs applied to every cohort output: for the example question on ${runs[0]!.dataset}'s run, the ${register ?? 'no'} register excluded ${optedOut.excluded.optedOut.display} people (${optedOut.excluded.byExclusionMatch.display} of them, or deaths, only by conservative exclusion matching; counts disclosure-controlled)`,
            ]
          : []),
        `reviewer web UI: ${service.address}/ui/ (sign in with the reviewer token from ${tokensFile}: runs, reports, data quality, privacy risk, audit trail)`,
        `tokens (one per organisation and role) are in ${tokensFile}; for example:`,
        `  T=$(node -e "console.log(require('${resolve(tokensFile)}').organisations.find(o=>o.role==='reviewer').token)")`,
        first !== undefined
          ? `  curl -H "authorization: Bearer $T" ${service.address}/runs/${first.runId}/report.html -o run-report.html`
          : '',
        first !== undefined
          ? `  curl -H "authorization: Bearer $T" -H 'content-type: application/json' ${service.address}/runs/${first.runId}/feasibility -d '${FEASIBILITY_EXAMPLE}'`
          : '',
        'Ctrl-C stops the service.',
        '',
      ].join('\n'),
    );
    return service;
  } catch (err) {
    await service.close();
    throw err;
  }
}

function httpClient(base: string): Client {
  const check = async <T>(res: Response, what: string): Promise<T> => {
    const body = (await res.json()) as T & { error?: { code: string; message: string } };
    if (!res.ok)
      throw new CohortlinkError(
        'CL_INTERNAL',
        `demo: ${what} answered ${res.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`,
      );
    return body;
  };
  return {
    async call(method, path, token, body) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return check(res, `${method} ${path.split('?')[0]}`);
    },
    async upload(path, token, file, type = 'application/x-ndjson') {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        body: Readable.toWeb(createReadStream(file)) as unknown as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      return check(res, `upload ${file}`);
    },
  };
}
