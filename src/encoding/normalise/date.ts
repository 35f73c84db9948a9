import { daysInMonth, MONTH_NAMES } from '../calendar.js';
import { invalid, isMissingMarker, MISSING, type Normalised, present } from './result.js';

/**
 * 'iso' YYYY-MM-DD (also YYYY/MM/DD and ISO timestamps); 'dmy' d/m/yyyy with / - . or space,
 * numeric or English month names; 'mdy' m/d/yyyy, numeric only; 'ymd-compact' yyyymmdd;
 * 'dmy-compact' ddmmyyyy.
 */
export type DateFormat = 'iso' | 'dmy' | 'mdy' | 'ymd-compact' | 'dmy-compact';

export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export interface DateValue extends CalendarDate {
  /** YYYY-MM-DD */
  readonly iso: string;
}

export interface DateOptions {
  /** Tried in order; the first that parses to a real calendar date wins. */
  readonly formats?: readonly DateFormat[];
  /** Earliest accepted year. */
  readonly minYear?: number;
  /** Latest accepted date, inclusive; defaults to today (UTC). */
  readonly maxDate?: CalendarDate;
}

export const DEFAULT_DATE_FORMATS: readonly DateFormat[] = ['iso', 'dmy', 'ymd-compact'];
export const DEFAULT_MIN_YEAR = 1880; // older than any living person

export function todayUtc(): CalendarDate {
  const now = new Date();
  return { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
}

const MONTHS: ReadonlyMap<string, number> = new Map(
  MONTH_NAMES.flatMap((name, i) => [
    [name, i + 1],
    [name.slice(0, 3), i + 1],
  ]),
).set('sept', 9);

// Four-digit years only, everywhere: a two-digit year would force a guess at the century,
// and a wrong century on a date of birth silently links the wrong people.
// The date part of a timestamp is used as written (no time-zone shift): birth dates are calendar dates.
const ISO =
  /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?: ?(?:Z|[+-]\d{2}(?::?\d{2})?))?)?$/i;
// Spreadsheet exports often append a midnight time to day-first dates ("12/03/1970 00:00").
const DAY_FIRST = /^(\d{1,2})([-/. ])(\d{1,2}|[a-z]{3,9})\2(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$/i;
const MONTH_FIRST = /^(\d{1,2})([-/. ])(\d{1,2})\2(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$/;
const COMPACT = /^\d{8}$/;

type Parser = (s: string) => CalendarDate | null;

function monthOf(token: string): number | undefined {
  return /^\d+$/.test(token) ? Number(token) : MONTHS.get(token.toLowerCase());
}

const PARSERS: Readonly<Record<DateFormat, Parser>> = {
  iso: (s) => {
    const m = ISO.exec(s);
    return m ? { year: Number(m[1]), month: Number(m[3]), day: Number(m[4]) } : null;
  },
  dmy: (s) => {
    const m = DAY_FIRST.exec(s);
    const month = m ? monthOf(m[3] as string) : undefined;
    return m && month !== undefined ? { year: Number(m[4]), month, day: Number(m[1]) } : null;
  },
  mdy: (s) => {
    const m = MONTH_FIRST.exec(s);
    return m ? { year: Number(m[4]), month: Number(m[1]), day: Number(m[3]) } : null;
  },
  'ymd-compact': (s) =>
    COMPACT.test(s)
      ? { year: Number(s.slice(0, 4)), month: Number(s.slice(4, 6)), day: Number(s.slice(6, 8)) }
      : null,
  'dmy-compact': (s) =>
    COMPACT.test(s)
      ? { year: Number(s.slice(4, 8)), month: Number(s.slice(2, 4)), day: Number(s.slice(0, 2)) }
      : null,
};

function isPossible(d: CalendarDate): boolean {
  return d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= daysInMonth(d.year, d.month);
}

function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function normaliseDate(raw: string, opts: DateOptions = {}): Normalised<DateValue> {
  if (isMissingMarker(raw)) return MISSING;
  // Longer than any accepted form with a timestamp: skip the regexes.
  if (raw.length > 64) return invalid('date_unparseable');
  const s = raw.trim().replace(/\s+/g, ' ');
  let sawImpossible = false;
  for (const format of opts.formats ?? DEFAULT_DATE_FORMATS) {
    const d = PARSERS[format](s);
    if (d === null) continue;
    if (!isPossible(d)) {
      sawImpossible = true;
      continue;
    }
    const minYear = opts.minYear ?? DEFAULT_MIN_YEAR;
    if (d.year < minYear || compareDates(d, opts.maxDate ?? todayUtc()) > 0)
      return invalid('date_out_of_range');
    const iso = `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`;
    return present({ year: d.year, month: d.month, day: d.day, iso });
  }
  return invalid(sawImpossible ? 'date_impossible' : 'date_unparseable');
}
