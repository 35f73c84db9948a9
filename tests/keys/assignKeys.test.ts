import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignLinkageKeys, newLinkageKey } from '../../src/matching/keys/assignKeys.js';

function counter(prefix = 'k'): () => string {
  let n = 0;
  return () => `${prefix}${n++}`;
}

/** Keys per record, dataset by dataset, from an assignment. */
function recordKeys(clusterOf: Int32Array[], clusterKey: readonly string[]): string[][] {
  return clusterOf.map((c) => Array.from(c, (id) => clusterKey[id]!));
}

const clusteringArb = fc
  .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }))
  .chain(([clusters, n0, n1]) =>
    fc.tuple(
      fc.constant(clusters),
      fc.array(fc.nat(clusters - 1), { minLength: n0, maxLength: n0 }),
      fc.array(fc.nat(clusters - 1), { minLength: n1, maxLength: n1 }),
    ),
  );

describe('linkage keys', () => {
  it('are random 128-bit values in Crockford base32, never repeating', () => {
    const keys = new Set(Array.from({ length: 2000 }, newLinkageKey));
    expect(keys.size).toBe(2000);
    for (const k of keys) expect(k).toMatch(/^lk_[0-9a-hjkmnp-tv-z]{26}$/);
  });

  it('every cluster gets exactly one key and distinct clusters distinct keys', () => {
    fc.assert(
      fc.property(clusteringArb, ([clusters, a, b]) => {
        const r = assignLinkageKeys({
          clusterOf: [Int32Array.from(a), Int32Array.from(b)],
          clusterCount: clusters,
          existing: [],
          newKey: counter(),
        });
        expect(new Set(r.clusterKey).size).toBe(clusters);
        expect(r.stats.created).toBe(clusters);
      }),
    );
  });

  it('a re-run with the same clusters keeps every key', () => {
    fc.assert(
      fc.property(clusteringArb, ([clusters, a, b]) => {
        const clusterOf = [Int32Array.from(a), Int32Array.from(b)];
        const first = assignLinkageKeys({
          clusterOf,
          clusterCount: clusters,
          existing: [],
          newKey: counter('x'),
        });
        const held = recordKeys(clusterOf, first.clusterKey);
        // Same clusters, numbered differently: keys follow the people, not the numbering.
        const perm = Array.from({ length: clusters }, (_, i) => clusters - 1 - i);
        const renumbered = clusterOf.map((c) => Int32Array.from(c, (id) => perm[id]!));
        const second = assignLinkageKeys({
          clusterOf: renumbered,
          clusterCount: clusters,
          existing: held,
          newKey: counter('y'),
        });
        expect(recordKeys(renumbered, second.clusterKey)).toEqual(held);
        expect(second.stats.recordsRekeyed).toBe(0);
      }),
    );
  });

  it('linking a new dataset keeps existing keys and gives new people new keys', () => {
    // Before: spine records 0,1,2 with keys A,B,C. Now a hospital dataset links to 0 and 2, and has a new person.
    const r = assignLinkageKeys({
      clusterOf: [Int32Array.of(0, 1, 2), Int32Array.of(2, 0, 3)],
      clusterCount: 4,
      existing: [['A', 'B', 'C'], []],
      newKey: counter('new'),
    });
    expect(recordKeys([Int32Array.of(0, 1, 2), Int32Array.of(2, 0, 3)], r.clusterKey)).toEqual([
      ['A', 'B', 'C'],
      ['C', 'A', 'new0'],
    ]);
    expect(r.stats).toMatchObject({ kept: 3, created: 1, merged: 0, split: 0, recordsRekeyed: 0 });
  });

  it('settles merges and splits deterministically and counts them', () => {
    // Records 0,1 held A and 2 held B; now all three are one person: A (held by two) wins.
    const merged = assignLinkageKeys({
      clusterOf: [Int32Array.of(0, 0, 0)],
      clusterCount: 1,
      existing: [['A', 'A', 'B']],
      newKey: counter(),
    });
    expect(merged.clusterKey).toEqual(['A']);
    expect(merged.stats).toMatchObject({ merged: 1, recordsRekeyed: 1 });
    // Records 0,1,2 all held A; now 0 is apart: the larger part keeps A.
    const split = assignLinkageKeys({
      clusterOf: [Int32Array.of(0, 1, 1)],
      clusterCount: 2,
      existing: [['A', 'A', 'A']],
      newKey: counter('n'),
    });
    expect(split.clusterKey).toEqual(['n0', 'A']);
    expect(split.stats).toMatchObject({ split: 1, created: 1, recordsRekeyed: 1 });
  });
});

describe('linkage-key files', () => {
  it('read back what a run wrote, including quoted references, and refuse malformed lines by number', async () => {
    const { readKeyFile } = await import('../../src/matching/keys/keyFiles.js');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'cohortlink-keys-'));
    try {
      const k1 = newLinkageKey();
      const k2 = newLinkageKey();
      const good = join(dir, 'good.keys.csv');
      writeFileSync(good, `ref,linkage_key\nA1,${k1}\n"B,2",${k2}\n`);
      expect([...readKeyFile(good)]).toEqual([
        ['A1', k1],
        ['B,2', k2],
      ]);
      expect(readKeyFile(join(dir, 'absent.keys.csv')).size).toBe(0);
      const bad = join(dir, 'bad.keys.csv');
      writeFileSync(bad, `ref,linkage_key\nA1,${k1}\nA2,not-a-key\n`);
      expect(() => readKeyFile(bad)).toThrow(/line 3/);
      writeFileSync(bad, 'ref,key\n');
      expect(() => readKeyFile(bad)).toThrow(/header/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
