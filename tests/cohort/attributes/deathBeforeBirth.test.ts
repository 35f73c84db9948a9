/**
 * A death dated before the person's birth year (or, in the birth year, before the birth month)
 * is refused (issue 14, item 7): by the reader, and at upload with a 400 that names the line
 * and field but never the value.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAttributes } from '../../../src/cohort/attributes/index.js';
import { createDisclosureKey } from '../../../src/cohort/disclosure/index.js';
import { CohortlinkError } from '../../../src/errors.js';
import { cohortRoutePlugin } from '../../../src/server/routes/cohort.js';
import { call, encodingsNdjson, startTestService, type TestService, uploadId } from '../../server/helpers.js';

const TODAY = Date.UTC(2025, 0, 1) / 86_400_000;
const opts = { dataset: 'hes', knownRefs: new Set(['A', 'B', 'C', 'D']), today: TODAY };
const line = (ref: string, birthYear: number, birthMonth: number | null, deathDate: string) =>
  JSON.stringify({
    ref,
    birthYear,
    ...(birthMonth === null ? {} : { birthMonth }),
    deceased: true,
    deathDate,
  });

describe('readAttributes: death before birth', () => {
  it('refuses a death before the birth year, or before the birth month in that year', async () => {
    const text = [
      line('A', 1950, 3, '1949-12-31'),
      line('B', 1950, 6, '1950-05-31'),
      line('C', 1950, null, '1950-01-01'),
      line('D', 1950, 6, '1950-06-01'),
    ].join('\n');
    const e = await readAttributes(Readable.from([text]), opts).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CohortlinkError);
    const err = e as CohortlinkError;
    expect(err.code).toBe('CL_NDJSON_MALFORMED');
    expect(err.issues).toEqual([
      { path: 'line 1, column deathDate', message: 'is before the birth year' },
      { path: 'line 2, column deathDate', message: 'is before the birth month' },
    ]);
    expect(err.describe()).not.toMatch(/1949|1950-05/);
  });

  it('accepts a death in the birth month, or with no birth year given', async () => {
    const a = await readAttributes(
      Readable.from([
        [
          line('A', 1950, 6, '1950-06-01'),
          JSON.stringify({ ref: 'B', deceased: true, deathDate: '1900-01-01' }),
        ].join('\n'),
      ]),
      opts,
    );
    expect(a.count).toBe(2);
  });
});

describe('attributes upload: death before birth', () => {
  let s: TestService;
  beforeAll(async () => {
    s = await startTestService({ rateLimitMax: 0 }, [
      cohortRoutePlugin({ key: createDisclosureKey('death test secret') }),
    ]);
  });
  afterAll(async () => s.close());

  it('answers 400 naming the line and field, stores nothing and echoes no value', async () => {
    const org = await call(s, 'POST', '/organisations', { token: s.adminToken, json: { name: 'Hospital' } });
    const t = await call(s, 'POST', `/organisations/${org.body.id}/tokens`, {
      token: s.adminToken,
      json: { role: 'provider' },
    });
    const p = await call(s, 'POST', '/projects', {
      token: s.adminToken,
      json: { name: 'Trial', members: [org.body.id] },
    });
    const d = await call(s, 'POST', `/projects/${p.body.id}/datasets?name=hes&uploadId=${uploadId()}`, {
      token: t.body.token,
      body: `${encodingsNdjson({ records: 3 }).join('\n')}\n`,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(d.status, d.text).toBe(201);
    const body = [
      JSON.stringify({ ref: 'r0', birthYear: 1960, deceased: false }),
      line('r1', 1971, 4, '1968-07-14'),
      JSON.stringify({ ref: 'r2', birthYear: 1980, deceased: false }),
    ].join('\n');
    const r = await call(s, 'POST', `/projects/${p.body.id}/datasets/${d.body.id}/attributes`, {
      token: t.body.token,
      body: `${body}\n`,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.issues).toEqual([
      { path: 'line 2, column deathDate', message: 'is before the birth year' },
    ]);
    expect(r.text).not.toContain('1968');
    expect(s.files.temps()).toEqual([]);
  });
});
