import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createDisclosureKey,
  DEFAULT_POLICY,
  parsePolicy,
  publishCount,
  publishFeasibility,
} from '../../../src/cohort/disclosure/index.js';
import { CohortlinkError } from '../../../src/errors.js';

const SECRET = 'test-disclosure-secret-0123456789';
const key = createDisclosureKey(SECRET);

describe('policy', () => {
  it('defaults to NHS practice, with zero suppressed like 1–7', () => {
    expect(DEFAULT_POLICY).toEqual({ suppressBelow: 8, roundTo: 5, zero: 'suppress', rounding: 'keyed' });
  });

  it.each([
    [{ suppressBelow: 0 }, '$.suppressBelow'],
    [{ roundTo: 2.5 }, '$.roundTo'],
    [{ zero: 'hide' }, '$.zero'],
    [{ threshold: 8 }, '$'],
  ])('rejects %j naming %s', (input, path) => {
    try {
      parsePolicy(input);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CohortlinkError);
      expect((e as CohortlinkError).code).toBe('CL_USAGE');
      expect((e as CohortlinkError).issues.map((i) => i.path)).toContain(path);
    }
  });
});

describe('one cell under the default policy', () => {
  it.each([
    [0, '<8', null],
    [1, '<8', null],
    [7, '<8', null],
    [8, '10', 10],
    [9, '10', 10],
  ])('%i is shown as %s', (n, display, value) => {
    expect(publishCount(n, 'total', DEFAULT_POLICY, key)).toMatchObject({ display, value });
  });

  it.each([10, 11, 12, 13, 14, 100, 101, 104, 1234])(
    '%i goes to one of the two multiples of 5 around it',
    (n) => {
      const v = publishCount(n, 'total', DEFAULT_POLICY, key).value!;
      expect([Math.floor(n / 5) * 5, Math.floor(n / 5) * 5 + 5]).toContain(v);
    },
  );

  it('shows 0 as "<8", indistinguishable from 1–7, and as 0 only when the policy says so', () => {
    expect(publishCount(0, 'total', DEFAULT_POLICY, key)).toEqual(
      publishCount(3, 'total', DEFAULT_POLICY, key),
    );
    const p = parsePolicy({ zero: 'publish' });
    expect(publishCount(0, 'total', p, key)).toEqual({ value: 0, suppressed: false, display: '0' });
    expect(publishCount(3, 'total', p, key)).toEqual({ value: null, suppressed: true, display: '<8' });
  });

  it.each([
    [12, 10],
    [13, 15],
    [100, 100],
    [8, 10],
  ])('nearest rounding: %i → %i', (n, v) => {
    expect(publishCount(n, 'total', parsePolicy({ rounding: 'nearest' }), key).value).toBe(v);
  });

  it('honours another threshold and base, never publishing inside the suppressed range', () => {
    const p = parsePolicy({ suppressBelow: 11, roundTo: 10 });
    expect(publishCount(10, 'x', p, key).suppressed).toBe(true);
    for (let n = 11; n < 20; n++) expect(publishCount(n, 'x', p, key).value).toBe(20);
  });

  it('uses both directions across cells (the key matters)', () => {
    const seen = new Set<number | null>();
    for (let i = 0; i < 50; i++) seen.add(publishCount(102, `byRegion:R${i}`, DEFAULT_POLICY, key).value);
    expect(seen).toEqual(new Set([100, 105]));
  });
});

describe('the key', () => {
  it('refuses empty and short secrets without echoing them', () => {
    expect(() => createDisclosureKey('')).toThrow(CohortlinkError);
    try {
      createDisclosureKey('short-secret');
      expect.unreachable();
    } catch (e) {
      expect((e as CohortlinkError).code).toBe('CL_SECRET_MISSING');
      expect((e as Error).message).not.toContain('short-secret');
    }
  });

  it('never renders the secret', () => {
    expect(JSON.stringify({ key })).not.toContain(SECRET);
    expect(inspect(key)).toBe('[DisclosureKey]');
    expect(String(key)).toBe('[DisclosureKey]');
  });
});

describe('a whole feasibility result', () => {
  const raw = {
    total: 123,
    byRegion: { E54000027: 60, E54000029: 58, E54000008: 5 },
    byAgeBand: { '18-39': 20, '40-64': 100, '65+': 3 },
    bySex: { F: 70, M: 53 },
    excluded: { deceased: 4, optedOut: 0 },
    linkageRange: { low: 118, high: 131 },
  };

  it('flags every suppressed cell and explains itself', () => {
    const r = publishFeasibility(raw, { key });
    expect(r.suppressedCells).toEqual([
      'byRegion.E54000008',
      'byAgeBand.65+',
      'excluded.deceased',
      'excluded.optedOut',
    ]);
    expect(r.byRegion.E54000008).toEqual({ value: null, suppressed: true, display: '<8' });
    // Zero opted out: shown like 1–7, so "nobody" is not a definite fact.
    expect(r.excluded.optedOut.display).toBe('<8');
    expect(r.note).toContain('and so are zeros');
    expect(r.policy).toEqual(DEFAULT_POLICY);
    expect(r.note).toContain('<8');
    expect(r.note).toContain('byAgeBand.65+');
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it('keeps the published range around the published total', () => {
    for (let t = 8; t < 200; t++) {
      const r = publishFeasibility(
        {
          ...raw,
          total: t,
          byRegion: {},
          byAgeBand: {},
          bySex: {},
          linkageRange: { low: t - 1, high: t + 1 },
        },
        { key },
      );
      if (r.linkageRange.low.value !== null)
        expect(r.linkageRange.low.value).toBeLessThanOrEqual(r.total.value!);
      expect(r.linkageRange.high.value).toBeGreaterThanOrEqual(r.total.value!);
    }
  });

  it.each([
    [{ ...raw, total: -1 }, '$.total'],
    [{ ...raw, linkageRange: { low: 130, high: 131 } }, '$.linkageRange'],
    [{ ...raw, bySex: { F: 100, M: 53 } }, '$.bySex'],
    [{ ...raw, extra: 1 }, '$'],
  ])('rejects inconsistent raw counts (%#) naming %s', (bad, path) => {
    try {
      publishFeasibility(bad, { key });
      expect.unreachable();
    } catch (e) {
      expect((e as CohortlinkError).code).toBe('CL_INTERNAL');
      expect((e as CohortlinkError).issues.map((i) => i.path)).toContain(path);
    }
  });
});
