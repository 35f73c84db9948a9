import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DateFormat, normaliseDate, todayUtc } from '../../src/encoding/normalise/index.js';

const MAX = { year: 2024, month: 6, day: 30 };

type Expected = string | 'missing' | 'date_unparseable' | 'date_impossible' | 'date_out_of_range';

const cases: ReadonlyArray<[string, string, Expected, DateFormat[]?]> = [
  ['iso', '1970-03-12', '1970-03-12'],
  ['iso with slashes', '1970/03/12', '1970-03-12'],
  ['iso single-digit parts', '1970-3-2', '1970-03-02'],
  ['iso timestamp', '1970-03-12T00:00:00Z', '1970-03-12'],
  ['iso timestamp with offset keeps the written date', '1970-03-12T23:30:00.000-05:00', '1970-03-12'],
  ['sql timestamp', '1970-03-12 00:00:00', '1970-03-12'],
  ['dmy slashes', '12/03/1970', '1970-03-12'],
  ['dmy dashes', '12-03-1970', '1970-03-12'],
  ['dmy dots', '12.03.1970', '1970-03-12'],
  ['dmy spaces', '12 03 1970', '1970-03-12'],
  ['dmy single digits', '2/3/1970', '1970-03-02'],
  ['dmy with spreadsheet time', '12/03/1970 00:00', '1970-03-12'],
  ['dmy month name', '12 Mar 1970', '1970-03-12'],
  ['dmy month name upper, dashes', '12-MAR-1970', '1970-03-12'],
  ['dmy full month name', '1 September 1970', '1970-09-01'],
  ['dmy mixed separators', '12/03-1970', 'date_unparseable'],
  ['dmy unknown month name', '12 Foo 1970', 'date_unparseable'],
  ['ymd compact', '19700312', '1970-03-12'],
  ['padded', '  12/03/1970 ', '1970-03-12'],
  ['two-digit year rejected', '12/03/70', 'date_unparseable'],
  ['two-digit year rejected, iso-ish', '70-03-12', 'date_unparseable'],
  ['words', 'twelfth of March', 'date_unparseable'],
  ['month 13', '12/13/1970', 'date_impossible'],
  ['31 February', '31/02/1970', 'date_impossible'],
  ['day zero', '1970-03-00', 'date_impossible'],
  ['29 Feb in a leap year', '29/02/1972', '1972-02-29'],
  ['29 Feb 2000 (divisible by 400)', '29/02/2000', '2000-02-29'],
  ['29 Feb 1900 (century, not leap)', '29/02/1900', 'date_impossible'],
  ['29 Feb in a common year', '2023-02-29', 'date_impossible'],
  ['31 April', '31/04/1990', 'date_impossible'],
  ['before minYear', '31/12/1879', 'date_out_of_range'],
  ['at minYear', '01/01/1880', '1880-01-01'],
  ['after maxDate', '2024-07-01', 'date_out_of_range'],
  ['at maxDate', '2024-06-30', '2024-06-30'],
  ['missing marker', 'NULL', 'missing'],
  ['empty', '', 'missing'],
  ['mdy only when listed: day-first wins by order', '03/12/1970', '1970-12-03', ['dmy', 'mdy']],
  ['mdy first', '03/12/1970', '1970-03-12', ['mdy', 'dmy']],
  ['falls through an impossible reading', '12/31/1970', '1970-12-31', ['dmy', 'mdy']],
  ['not mdy by default', '12/31/1970', 'date_impossible'],
  ['dmy compact when listed', '12031970', '1970-03-12', ['dmy-compact']],
  ['compact order: ymd impossible, dmy possible', '31121970', '1970-12-31', ['ymd-compact', 'dmy-compact']],
  ['format not listed', '1970-03-12', 'date_unparseable', ['dmy']],
];

describe('normaliseDate', () => {
  it.each(cases)('%s: %j', (_d, input, expected, formats) => {
    const r = normaliseDate(input, { maxDate: MAX, ...(formats ? { formats } : {}) });
    if (/^\d{4}-/.test(expected)) {
      const [year, month, day] = expected.split('-').map(Number);
      expect(r).toEqual({ kind: 'present', value: { year, month, day, iso: expected } });
    } else if (expected === 'missing') {
      expect(r).toEqual({ kind: 'missing' });
    } else {
      expect(r).toEqual({ kind: 'invalid', reason: expected });
    }
  });

  it('honours minYear', () => {
    expect(normaliseDate('1900-01-01', { minYear: 1901 })).toEqual({
      kind: 'invalid',
      reason: 'date_out_of_range',
    });
  });

  it('defaults maxDate to today (UTC)', () => {
    const t = todayUtc();
    const iso = `${t.year}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
    expect(normaliseDate(iso).kind).toBe('present');
    expect(normaliseDate(`${t.year + 1}-01-01`)).toEqual({ kind: 'invalid', reason: 'date_out_of_range' });
  });
});

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => String(n).padStart(2, '0');

// Any real date in range, built from the day count so leap days are covered.
const realDate = fc.integer({ min: Date.UTC(1880, 0, 1), max: Date.UTC(2024, 5, 30) }).map((ms) => {
  const d = new Date(Math.floor(ms / 86_400_000) * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
});

describe('normaliseDate properties', () => {
  it('formatting variants of one date agree', () => {
    fc.assert(
      fc.property(realDate, ({ year, month, day }) => {
        const variants = [
          `${year}-${pad2(month)}-${pad2(day)}`,
          `${year}/${month}/${day}`,
          `${year}-${pad2(month)}-${pad2(day)}T12:00:00Z`,
          `${day}/${month}/${year}`,
          `${pad2(day)}-${pad2(month)}-${year}`,
          `${pad2(day)}.${pad2(month)}.${year}`,
          `${day} ${MONTH_NAMES[month - 1]} ${year}`,
          `${pad2(day)}-${MONTH_NAMES[month - 1]?.toUpperCase()}-${year}`,
          `${year}${pad2(month)}${pad2(day)}`,
        ];
        const results = variants.map((v) => normaliseDate(v, { maxDate: MAX }));
        expect(results[0]?.kind).toBe('present');
        for (const r of results) expect(r).toEqual(results[0]);
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent: normalising v.iso gives v again', () => {
    const dateish = fc.oneof(
      fc
        .tuple(
          fc.integer({ min: 0, max: 40 }),
          fc.integer({ min: 0, max: 14 }),
          fc.integer({ min: 1800, max: 2100 }),
        )
        .map(([d, m, y]) => `${d}/${m}/${y}`),
      fc.stringMatching(/^\d{8}$/),
      fc.string({ unit: 'binary', maxLength: 20 }),
    );
    fc.assert(
      fc.property(dateish, (s) => {
        const r = normaliseDate(s, { maxDate: MAX });
        if (r.kind === 'present') expect(normaliseDate(r.value.iso, { maxDate: MAX })).toEqual(r);
      }),
      { numRuns: 2000 },
    );
  });
});
