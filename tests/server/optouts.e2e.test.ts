/**
 * Opt-outs and deaths are never invited, and nobody is invited twice (issue 11), end to end
 * over HTTP on generated populations of several seeds and sizes, checked against the
 * generator's truth files (never the service's own view):
 *
 *   - every run mode (many-to-one, one-to-one, multi with and without the opt-out register,
 *     dedup), none of which is trusted to have put the register's people under their keys: the
 *     project's register applies to every run;
 *   - a person "deceased" is anyone whose death any dataset's attributes record;
 *   - a person appears twice across the lists of one invitation (the GP practice's spine list
 *     and the hospital's list, or two hospital episodes of one person) only where no rule can
 *     tell the records are one person; that residue is bounded (see the last assertion).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDisclosureKey } from '../../src/cohort/disclosure/index.js';
import { cohortRoutePlugin } from '../../src/server/routes/cohort.js';
import { runRoutePlugin } from '../../src/server/routes/runs.js';
import { RunManager } from '../../src/server/runs/runManager.js';
import { encodeUk, runCli, tempDir } from '../helpers/cli.js';
import { call, startTestService, type TestService, uploadId } from './helpers.js';
import { runsLayout } from './runs/fixture.js';

const INDEX = '2025-01-01';
const EVERYONE = { format: 'cohortlink-criteria/1', where: { age: { min: 0, at: INDEX } } };
const SOURCES = ['spine', 'hospital', 'registry', 'optout'] as const;
type Source = (typeof SOURCES)[number];

interface Truth {
  /** `${dataset}/${ref}` → person id. */
  readonly personOf: Map<string, string>;
  readonly optedOut: Set<string>;
  readonly deceased: Set<string>;
}

const rows = (path: string): string[][] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));

function readTruth(dir: string): Truth {
  const personOf = new Map<string, string>();
  for (const file of ['truth.csv', 'truth.optout.csv'])
    for (const [person, ds, ref] of rows(join(dir, file))) personOf.set(`${ds}/${ref}`, person!);
  const optedOut = new Set(
    rows(join(dir, 'truth.people.csv'))
      .filter((r) => r[8] === '1')
      .map((r) => r[0]!),
  );
  const deceased = new Set<string>();
  for (const ds of ['spine', 'hospital', 'registry'])
    for (const line of readFileSync(join(dir, `${ds}.attributes.ndjson`), 'utf8').split('\n')) {
      if (line === '') continue;
      const a = JSON.parse(line) as { ref: string; deceased?: boolean };
      if (a.deceased === true) deceased.add(personOf.get(`${ds}/${a.ref}`)!);
    }
  return { personOf, optedOut, deceased };
}

/** seed, people, extra generator rates (one population with many duplicate hospital records). */
const POPULATIONS: readonly [number, number, Record<string, number>][] = [
  [101, 2000, {}],
  [102, 2600, {}],
  [103, 3000, {}],
  [104, 2300, { duplicateRate: 0.08 }],
  [105, 2800, { duplicateRate: 0.03 }],
];

const services: { s: TestService; runs: RunManager }[] = [];
afterAll(async () => {
  for (const { s, runs } of services) {
    await s.close();
    await runs.close();
  }
});

describe.each(POPULATIONS)('seed %i, %i people', (seed, size, rates) => {
  it('invites no opted-out or dead person, and nobody twice, in any run mode', async () => {
    const dir = tempDir('cohortlink-optouts-');
    const config = join(dir, 'rates.json');
    writeFileSync(config, JSON.stringify(rates));
    const gen = runCli([
      'generate',
      '--people',
      String(size),
      '--seed',
      String(seed),
      '--out',
      dir,
      '--config',
      config,
    ]);
    expect(gen.status, gen.stderr).toBe(0);
    writeFileSync(join(dir, 'secret.txt'), `opt-out test secret ${seed}\n`);
    for (const ds of SOURCES)
      encodeUk(join(dir, `${ds}.csv`), join(dir, `${ds}.ndjson`), join(dir, 'secret.txt'));
    const truth = readTruth(dir);
    expect(truth.optedOut.size).toBeGreaterThan(20);
    expect(truth.deceased.size).toBeGreaterThan(5);

    let runs: RunManager | undefined;
    const s = await startTestService({ rateLimitMax: 0, minRunRecords: 20 }, [
      async (app, ctx) => {
        runs = new RunManager({ db: ctx.db, layout: runsLayout(ctx.files), workers: 1 });
        await runRoutePlugin({ runs })(app, ctx);
      },
      cohortRoutePlugin({ key: createDisclosureKey(`opt-out test disclosure ${seed}`) }),
    ]);
    services.push({ s, runs: runs! });

    const owners: Record<Source, string> = {
      spine: 'GP',
      hospital: 'Hospital',
      registry: 'Registry',
      optout: 'NDOP',
    };
    const tokens: Record<string, string> = {};
    const orgIds: string[] = [];
    for (const [name, role] of [
      ...Object.values(owners).map((o) => [o, 'provider']),
      ['University', 'researcher'],
    ]) {
      const org = await call(s, 'POST', '/organisations', { token: s.adminToken, json: { name } });
      orgIds.push(org.body.id);
      tokens[name!] = (
        await call(s, 'POST', `/organisations/${org.body.id}/tokens`, { token: s.adminToken, json: { role } })
      ).body.token;
    }
    const project = (
      await call(s, 'POST', '/projects', { token: s.adminToken, json: { name: 'Trial', members: orgIds } })
    ).body.id as string;
    const ids = {} as Record<Source, string>;
    for (const ds of SOURCES) {
      const r = await call(s, 'POST', `/projects/${project}/datasets?name=${ds}&uploadId=${uploadId()}`, {
        token: tokens[owners[ds]],
        body: readFileSync(join(dir, `${ds}.ndjson`)),
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(r.status, r.text).toBeLessThan(300);
      ids[ds] = r.body.id;
    }
    for (const ds of ['spine', 'hospital', 'registry'] as const) {
      const r = await call(s, 'POST', `/projects/${project}/datasets/${ids[ds]}/attributes`, {
        token: tokens[owners[ds]],
        body: readFileSync(join(dir, `${ds}.attributes.ndjson`)),
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(r.status, r.text).toBe(201);
    }
    const role = async (ds: Source, body: object) =>
      expect(
        (
          await call(s, 'PUT', `/projects/${project}/datasets/${ids[ds]}/role`, {
            token: tokens[owners[ds]],
            json: body,
          })
        ).status,
      ).toBe(200);
    // The spine is the GP practices' register here: contactable, and asked first.
    await role('spine', { role: 'spine', contactable: true });
    await role('optout', { role: 'optout' });
    const settings = await call(s, 'PUT', `/projects/${project}/cohort-settings`, {
      token: s.adminToken,
      json: { contactPriority: [ids.spine, ids.hospital, ids.registry] },
    });
    expect(settings.status, settings.text).toBe(200);

    const modes: [string, Source[]][] = [
      ['many-to-one', ['hospital', 'spine']],
      ['one-to-one', ['hospital', 'spine']],
      ['multi', ['spine', 'hospital', 'optout']],
      ['multi', ['spine', 'hospital', 'registry']],
      ['dedup', ['hospital']],
    ];
    const leaks: string[] = [];
    const twice: string[] = [];
    let invited = 0;
    for (const [mode, sources] of modes) {
      const what = `${mode} ${sources.join('+')}`;
      const r = await call(s, 'POST', `/projects/${project}/runs`, {
        token: tokens.University,
        json: { datasets: sources.map((d) => ids[d]), mode },
      });
      expect(r.status, `${what}: ${r.text}`).toBe(202);
      expect((await runs!.settled(r.body.id)).state, what).toBe('succeeded');
      const inv = await call(s, 'POST', `/runs/${r.body.id}/invitations`, {
        token: tokens.University,
        json: { criteria: EVERYONE, cap: 1_000_000 },
      });
      expect(inv.status, `${what}: ${inv.text}`).toBe(201);
      const seen = new Map<string, string>();
      let listed = 0;
      for (const ds of sources.filter((d) => d !== 'optout')) {
        const list = await call(s, 'GET', `/invitations/${inv.body.id}/datasets/${ids[ds]}`, {
          token: tokens[owners[ds]],
        });
        expect(list.status, `${what} ${ds}: ${list.text}`).toBe(200);
        for (const ref of list.text.trim().split('\n').slice(1)) {
          listed++;
          const person = truth.personOf.get(`${ds}/${ref}`)!;
          if (truth.optedOut.has(person)) leaks.push(`${what}: opted-out person ${person} in ${ds}`);
          if (truth.deceased.has(person)) leaks.push(`${what}: dead person ${person} in ${ds}`);
          if (seen.has(person)) twice.push(`${what}: person ${person} in ${seen.get(person)} and ${ds}`);
          seen.set(person, ds);
        }
      }
      // The lists are not empty by accident: most living, not opted-out people are invited.
      expect(listed, what).toBeGreaterThan(size * 0.3);
      invited += listed;
    }
    if (process.env.COHORTLINK_FIGURES)
      console.log(`FIGURES seed ${seed}: invited ${invited}, twice ${twice.length}`);
    // The legal duty: not one opted-out or dead person, in any mode, on any seed.
    expect(leaks).toEqual([]);
    // One letter per person: records the run left apart AND that neither rule ties (a swapped
    // name with no NHS number, a move with a dropped surname) can still reach two lists. Which
    // of two tied people is invited first follows the random linkage keys, so the count varies
    // from run to run: measured 0.10–0.23 % per population with the folded default (75–84 of
    // ~57,500 invitations over these five; COHORTLINK_FIGURES=1 prints them). The
    // bound keeps that from growing unnoticed without failing on the keys' luck.
    expect(twice.length, twice.join('\n')).toBeLessThanOrEqual(Math.ceil(invited * 0.005));
  }, 240_000);
});
