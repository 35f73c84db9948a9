import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/matching/keys/keyFiles.js';
import { linkedRecords } from '../../src/reports/linkedRecords.js';

const dir = mkdtempSync(join(tmpdir(), 'cohortlink-linked-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const keyArb = fc
  .array(fc.constantFrom(...ALPHABET), { minLength: 26, maxLength: 26 })
  .map((c) => `lk_${c.join('')}`);

/** The reading the keys-file maps give: a key is shared when held in another dataset (one dataset: twice). */
function naive(paths: readonly string[]): { ref: string; linked: boolean }[][] {
  const maps = paths.map((p) => readKeyFile(p));
  const holders = new Map<string, number[]>();
  maps.forEach((m, d) => {
    for (const key of m.values()) holders.set(key, [...(holders.get(key) ?? []), d]);
  });
  return maps.map((m, d) =>
    [...m].map(([ref, key]) => {
      const held = holders.get(key)!;
      return { ref, linked: maps.length === 1 ? held.length > 1 : held.some((e) => e !== d) };
    }),
  );
}

let runNo = 0;

function write(rows: readonly (readonly [string, string])[][]): string[] {
  const run = join(dir, `run${runNo++}`);
  mkdirSync(run);
  return rows.map((r, d) => {
    const path = join(run, `d${d}.keys.csv`);
    writeFileSync(path, `ref,linkage_key\n${r.map(([ref, key]) => `${ref},${key}`).join('\n')}\n`);
    return path;
  });
}

function check(paths: readonly string[]): void {
  const got = linkedRecords(paths.map((keysPath, d) => ({ dataset: `d${d}`, keysPath })));
  const want = naive(paths);
  got.forEach((g, d) => {
    expect(g.rowOfRef.size).toBe(want[d]!.length);
    expect(g.linked.length).toBe(want[d]!.length);
    want[d]!.forEach(({ ref, linked }, row) => {
      expect(g.rowOfRef.get(ref)).toBe(row);
      expect(g.linked[row]).toBe(linked ? 1 : 0);
    });
  });
}

describe('linkedRecords', () => {
  it('marks linked records as the keys-file maps do, repeated refs and dedup included', () => {
    fc.assert(
      fc.property(
        fc.array(keyArb, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.nat()), { maxLength: 60 }), {
          minLength: 3,
          maxLength: 3,
        }),
        (pool, datasets, picks) => {
          // Refs from a small range so some repeat within a file; keys from a small pool so they collide.
          const rows = picks
            .slice(0, datasets)
            .map((p, d) => p.map(([ref, k]) => [`r${d}-${ref}`, pool[k % pool.length]!] as const));
          check(write(rows));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps up past its tables’ first growth', () => {
    const key = (i: number) =>
      `lk_${[...i.toString(32).padStart(26, '0')].map((c) => ALPHABET[Number.parseInt(c, 32)]).join('')}`;
    const a = Array.from({ length: 5000 }, (_, i) => [`a${i}`, key(i)] as const);
    const b = Array.from({ length: 4000 }, (_, i) => [`b${i}`, key(i * 3)] as const);
    const paths = write([a, b]);
    check(paths);
    const [la] = linkedRecords(paths.map((keysPath, d) => ({ dataset: `d${d}`, keysPath })));
    // b holds keys 0, 3, 6 … of which those below 5 000 are a's: 0 … 4 998, 1 667 of them.
    expect(la!.linked.reduce((s, x) => s + x, 0)).toBe(Math.floor(4999 / 3) + 1);
  });

  it('says which keys file is missing', () => {
    expect(() => linkedRecords([{ dataset: 'hes', keysPath: join(dir, 'none.keys.csv') }])).toThrow(
      expect.objectContaining({
        code: 'CL_FILE_UNREADABLE',
        message: expect.stringContaining('none.keys.csv'),
      }),
    );
  });
});
