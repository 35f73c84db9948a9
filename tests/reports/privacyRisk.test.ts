import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import type { Finding } from '../../src/reports/privacyFindings.js';
import {
  bitFrequencyStats,
  buildPrivacyRiskReport,
  type PrivacyRiskReport,
} from '../../src/reports/privacyRisk.js';
import { renderPrivacyRiskHtml } from '../../src/reports/privacyRiskHtml.js';
import { tempDir } from '../helpers/cli.js';
import { KEY_A, KEY_B, randomFilters, refOf, writeEncodings } from './encodingStatsFixture.js';

const dir = tempDir('cohortlink-privacy-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BITS = 256;
/** Every position set with the same probability: even bit usage. */
const even = (n: number, seed: number) => randomFilters(n, BITS, () => 0.3, seed);
/** A quarter of positions set in 90% of filters, the rest in 5%: what common q-grams do. */
const uneven = (n: number, seed: number) => randomFilters(n, BITS, (i) => (i % 4 === 0 ? 0.9 : 0.05), seed);
/** Exactly half the bits set in every filter, each position equally often (balanced filters). */
function balanced(n: number, seed: number): Uint8Array[] {
  return randomFilters(n, BITS / 2, () => 0.5, seed).map((half) => {
    const f = new Uint8Array(BITS / 8);
    f.set(half);
    for (let i = 0; i < half.length; i++) f[half.length + i] = ~half[i]! & 0xff;
    return f;
  });
}

function file(
  name: string,
  filters: Uint8Array[],
  o: Parameters<typeof writeEncodings>[2] = { filterBits: BITS },
) {
  const path = join(dir, `${name}.ndjson`);
  const clks = writeEncodings(path, filters, o);
  return { name, path, clks };
}

const finding = (r: PrivacyRiskReport, id: string, scope: string): Finding => {
  const f = r.findings.find((x) => x.id === id && x.scope === scope);
  if (f === undefined) throw new Error(`no ${id} finding for ${scope}`);
  return f;
};

describe('privacy-risk report', () => {
  it('rates uneven bit usage high and even bit usage low, stating the rule', async () => {
    const r = await buildPrivacyRiskReport({ name: 'p' }, [
      file('uneven', uneven(3000, 1)),
      file('even', even(3000, 2)),
    ]);
    const u = finding(r, 'bit-usage', 'uneven');
    const e = finding(r, 'bit-usage', 'even');
    expect(u.level).toBe('high');
    expect(e.level).toBe('low');
    expect(u.rule).toMatch(/coefficient of variation/);
    expect(u.recommendation).toMatch(/salting|XOR/i);
    expect(e.recommendation).toBeNull();
    const ub = r.datasets.find((d) => d.name === 'uneven')!.bits;
    expect(ub.coefficientOfVariationBeyondNoise).toBeGreaterThan(0.35);
    expect(r.datasets.find((d) => d.name === 'even')!.bits.coefficientOfVariationBeyondNoise).toBeLessThan(
      0.05,
    );
    expect(r.level).toBe('high');
    expect(r.recommendations[0]).toBe(u.recommendation);
  });

  it('computes bit-frequency figures that match a direct calculation', () => {
    // Positions set in 0, 25, 50 and 100 of 100 filters.
    const b = bitFrequencyStats([0, 25, 50, 100], 100);
    expect(b.minFrequency).toBe(0);
    expect(b.maxFrequency).toBe(1);
    expect(b.meanFrequency).toBeCloseTo(0.4375, 12);
    const sd = Math.sqrt([0, 0.25, 0.5, 1].reduce((s, f) => s + (f - 0.4375) ** 2, 0) / 4);
    expect(b.sdFrequency).toBeCloseTo(sd, 12);
    expect(b.coefficientOfVariation).toBeCloseTo(sd / 0.4375, 12);
    expect(b.maxMinRatio).toBeNull();
    expect(b.neverSetShare).toBe(0.25);
    expect(b.almostAlwaysSetShare).toBe(0.25);
    const h = (p: number) => -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
    expect(b.meanEntropy).toBeCloseTo((h(0.25) + 1) / 4, 12);
    expect(b.sortedProfile).toEqual([0, 25, 50, 100]);
  });

  it('rates filters singled out by rare popcounts, and not balanced ones', async () => {
    const r = await buildPrivacyRiskReport({ name: 'p' }, [
      file('small', even(200, 3)),
      file('bal', balanced(2000, 4)),
    ]);
    const small = finding(r, 'rare-popcounts', 'small');
    expect(small.level).toBe('high');
    const d = r.datasets.find((x) => x.name === 'small')!.uniqueness;
    // Direct count: unique filters at popcounts fewer than 10 filters have.
    const expected = d.byPopcount.filter((p) => p.filters < 10).reduce((s, p) => s + p.unique, 0);
    expect(d.uniqueAtRarePopcounts).toBe(expected);
    expect(expected).toBeGreaterThan(2);
    expect(finding(r, 'rare-popcounts', 'bal').level).toBe('low');
    const bal = r.datasets.find((x) => x.name === 'bal')!.uniqueness;
    expect(bal.byPopcount).toEqual([{ popcount: BITS / 2, filters: 2000, unique: 2000 }]);
  });

  it('reports hardening from the header and rates none as moderate', async () => {
    const r = await buildPrivacyRiskReport({ name: 'p' }, [
      file('plain', even(100, 5)),
      file('hard', even(100, 6), { filterBits: BITS, hardening: { salted: true, xorFolds: 1 } }),
    ]);
    expect(finding(r, 'hardening', 'plain').level).toBe('moderate');
    const hard = finding(r, 'hardening', 'hard');
    expect(hard.level).toBe('low');
    expect(r.datasets.find((d) => d.name === 'hard')!.hardening.described).toBe('salting, XOR-folding (1×)');
  });

  it('gives balancing and bit flips no credit on their own: they were measured not to stop pattern mining', async () => {
    const r = await buildPrivacyRiskReport({ name: 'p' }, [
      file('balanced', even(100, 9), { filterBits: BITS, hardening: { balance: true, bitFlip: 0.05 } }),
      file('folded', even(100, 10), { filterBits: BITS, hardening: { xorFolds: 1 } }),
    ]);
    const b = finding(r, 'hardening', 'balanced');
    expect(b.level).toBe('moderate');
    expect(b.evidence).toMatch(/balancing and bit-flip noise left per-name bit patterns/);
    expect(b.recommendation).toMatch(/XOR-folding/);
    expect(finding(r, 'hardening', 'folded').level).toBe('low');
  });

  it('counts duplicate filters and filters shared by datasets with the same key', async () => {
    const base = even(500, 7);
    const dup = [...base, ...base.slice(0, 30), ...Array.from({ length: 12 }, () => base[40]!)];
    const other = [...even(100, 8), ...base.slice(100, 120)];
    const keyB = [...base.slice(0, 50)];
    const r = await buildPrivacyRiskReport({ name: 'p' }, [
      file('dup', dup),
      file('other', other),
      file('keyb', keyB, { filterBits: BITS, keyFingerprint: KEY_B }),
    ]);
    const d = r.datasets.find((x) => x.name === 'dup')!.duplicates;
    expect(d).toMatchObject({ records: 30 * 2 + 13, filters: 31, largestGroup: 13 });
    expect(finding(r, 'duplicates', 'dup').level).toBe('moderate'); // one filter 13 times
    expect(finding(r, 'duplicates', 'other').level).toBe('low');
    expect(r.sharedFilters).toContainEqual({ a: 'dup', b: 'other', sameKey: true, sharedFilters: 20 });
    expect(r.sharedFilters).toContainEqual({ a: 'dup', b: 'keyb', sameKey: false, sharedFilters: 0 });
    expect(finding(r, 'shared-filters', 'dup × other').level).toBe('moderate');
    expect(finding(r, 'shared-filters', 'dup × keyb').level).toBe('low');
    expect(r.keyReuseChecked).toBe(false);
    expect(r.findings.some((f) => f.id === 'key-reuse')).toBe(false);
  });

  it('flags a secret another project uses when their key fingerprints are supplied', async () => {
    const a = file('a', even(50, 9));
    const clash = await buildPrivacyRiskReport({ name: 'p' }, [a], { otherProjectKeyFingerprints: [KEY_A] });
    expect(finding(clash, 'key-reuse', 'a').level).toBe('high');
    const fine = await buildPrivacyRiskReport({ name: 'p' }, [a], { otherProjectKeyFingerprints: [KEY_B] });
    expect(finding(fine, 'key-reuse', 'project').level).toBe('low');
  });

  it('pools bit counts over the datasets when their filters have the same size', async () => {
    const a = even(300, 10);
    const b = uneven(100, 11);
    const r = await buildPrivacyRiskReport({ name: 'p' }, [file('pa', a), file('pb', b)]);
    const direct = bitFrequencyStats(
      Array.from({ length: BITS }, (_, i) =>
        [...a, ...b].reduce((s, f) => s + ((f[i >>> 3]! >> (7 - (i & 7))) & 1), 0),
      ),
      400,
    );
    expect(r.overall.bits).toEqual(direct);
    const other = file(
      'wide',
      randomFilters(10, 512, () => 0.3),
      { filterBits: 512 },
    );
    const mixed = await buildPrivacyRiskReport({ name: 'p' }, [file('pa', a), other]);
    expect(mixed.overall.bits).toBeNull();
  });

  it('puts no ref, block key or encoding in the JSON or the page', async () => {
    const sources = [file('x', uneven(400, 12)), file('y', [...even(300, 13), ...uneven(20, 12)])];
    const r = await buildPrivacyRiskReport({ name: 'p' }, sources);
    const json = JSON.stringify(r);
    const html = renderPrivacyRiskHtml(r);
    const text = readFileSync(sources[0]!.path, 'utf8');
    const needles = [
      ...sources.flatMap((s) => s.clks.flatMap((c) => [c, c.slice(0, 16)])),
      ...Array.from({ length: 400 }, (_, i) => refOf(i)),
      ...Array.from({ length: 400 }, (_, i) => `BK${i}zz`),
    ];
    expect(text).toContain(refOf(399)); // the needles are really in the input
    for (const n of needles) {
      expect(json).not.toContain(n);
      expect(html).not.toContain(n);
    }
  });

  it('renders a page with no script, no external reference and escaped names', async () => {
    const r = await buildPrivacyRiskReport({ name: '<img src=x onerror=alert(1)>' }, [
      { ...file('bds', uneven(200, 14)), name: '<b>ds</b>' },
      file('plain2', even(200, 15)),
    ]);
    const html = renderPrivacyRiskHtml(r);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<(img|iframe|object|embed|link)\b/i);
    expect(html).not.toMatch(/<[^>]*\s(src|href)\s*=/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).toContain('&lt;b&gt;ds&lt;/b&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toMatch(/class="risk risk-high"/);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
  });

  it('fails on a malformed file, naming it and the line', async () => {
    const good = file('good', even(20, 16));
    const path = join(dir, 'short.ndjson');
    writeEncodings(path, even(5, 17), { filterBits: BITS });
    const { writeFileSync } = await import('node:fs');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[3] = lines[3]!.replace('"clk":"', '"clk":"AA'); // line 4: a filter of the wrong length
    writeFileSync(path, lines.join('\n'));
    const err = await buildPrivacyRiskReport({ name: 'p' }, [good, { name: 'short', path }]).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CohortlinkError);
    expect((err as Error).message).toContain('short.ndjson line 4');
  });
});
