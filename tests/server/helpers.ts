import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ENCODINGS_FORMAT } from '../../src/encoding/ndjson.js';
import { type App, buildApp } from '../../src/server/app.js';
import type { ServiceConfigInput } from '../../src/server/config.js';
import type { RoutePlugin } from '../../src/server/context.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { DataFiles } from '../../src/store/files.js';
import { createOrganisation } from '../../src/store/repos/organisations.js';
import { createToken } from '../../src/store/tokens.js';
import { tempDir } from '../helpers/cli.js';

export interface TestService extends App {
  readonly base: string;
  readonly db: Db;
  readonly dbPath: string;
  readonly files: DataFiles;
  readonly adminToken: string;
  /** Every log line the app wrote. */
  readonly logs: string[];
  close(): Promise<void>;
}

/** The real service on a loopback port, over a fresh database in a temp folder (`routes`: extra route groups, e.g. runRoutePlugin()). */
export async function startTestService(
  config: ServiceConfigInput = {},
  routes: readonly RoutePlugin[] = [],
): Promise<TestService> {
  const dbPath = join(tempDir('cohortlink-server-'), 'service.db');
  const db = openDatabase(dbPath);
  const files = DataFiles.besideDatabase(dbPath);
  files.init();
  const org = createOrganisation(db, 'Operator');
  const { token: adminToken } = createToken(db, { organisationId: org.id, role: 'admin' });
  const logs: string[] = [];
  const built = await buildApp({
    db,
    files,
    config,
    routes,
    logger: { level: 'debug', stream: { write: (l) => logs.push(l) } },
  });
  const base = await built.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    ...built,
    base,
    db,
    dbPath,
    files,
    adminToken,
    logs,
    close: async () => {
      await built.app.close();
      db.close();
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, checked field by field by the assertions
  readonly body: any;
  readonly text: string;
}

/** A request to any running service: the in-process one or a spawned `cohortlink serve`. */
export async function call(
  s: Pick<TestService, 'base'>,
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(s.base + path, { method, headers, body, duplex: 'half' } as RequestInit);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export interface EncodingsOptions {
  readonly records: number;
  readonly keyFingerprint?: string;
  readonly schemaFingerprint?: string;
  readonly filterBits?: number;
  readonly refPrefix?: string;
}

export const KEY_A = 'a'.repeat(32);
export const KEY_B = 'b'.repeat(32);
export const SCHEMA_1 = '1'.repeat(32);

/** A small encodings file in the encoder's format: header, records, summary. */
export function encodingsNdjson(o: EncodingsOptions): string[] {
  const bits = o.filterBits ?? 128;
  const lines = [
    JSON.stringify({
      type: 'header',
      format: ENCODINGS_FORMAT,
      schemaSource: 'cohortlink',
      schemaFingerprint: o.schemaFingerprint ?? SCHEMA_1,
      keyFingerprint: o.keyFingerprint ?? KEY_A,
      filterBits: bits,
      blockKeys: ['soundex'],
      hardening: { balance: false, salted: false, bitFlip: 0, xorFolds: 0 },
      refColumn: 'id',
      createdAt: '2026-01-01T00:00:00.000Z',
      encoder: 'test',
    }),
  ];
  for (let i = 0; i < o.records; i++)
    lines.push(
      JSON.stringify({
        ref: `${o.refPrefix ?? 'r'}${i}`,
        clk: randomBytes(bits / 8).toString('base64'),
        blocks: { soundex: `k${i % 7}` },
      }),
    );
  lines.push(
    JSON.stringify({
      type: 'summary',
      rows: o.records,
      encoded: o.records,
      encodedWithMissing: 0,
      rejected: 0,
      rejectReasons: {},
      rejections: [],
      fields: { surname: { present: o.records, missing: 0, invalid: 0, invalidReasons: {} } },
      popcount: { min: 10, max: 90, mean: 64, sd: 5 },
    }),
  );
  return lines;
}

export const uploadId = (): string => randomUUID();

/** Creates each organisation and one token for it (the admin's part of every scenario). */
export async function createOrganisations(
  s: Pick<TestService, 'base'>,
  adminToken: string,
  spec: readonly (readonly [name: string, role: string])[],
): Promise<{ ids: Record<string, string>; tokens: Record<string, string> }> {
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  for (const [name, role] of spec) {
    const org = await call(s, 'POST', '/organisations', { token: adminToken, json: { name } });
    if (org.status !== 201) throw new Error(`creating ${name}: ${org.status} ${org.text}`);
    ids[name] = org.body.id;
    const t = await call(s, 'POST', `/organisations/${org.body.id}/tokens`, {
      token: adminToken,
      json: { role, label: `${name} ${role}` },
    });
    if (t.status !== 201) throw new Error(`token for ${name}: ${t.status} ${t.text}`);
    tokens[name] = t.body.token;
  }
  return { ids, tokens };
}
