/**
 * Calendar dates as days since 1970-01-01 (UTC), the unit PeopleColumns and EventColumns use.
 * Only `YYYY-MM-DD` is accepted; impossible dates (2023-02-30) are rejected rather than rolled
 * over the way `Date` would, and dates after `today` are rejected as future.
 */

const DAY_MS = 86_400_000;
const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Nobody alive in a trial-recruitment population was born or had an event before this. */
export const EARLIEST_YEAR = 1880;

export const dayOfUtc = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d) / DAY_MS;
export const todayDay = (): number => Math.floor(Date.now() / DAY_MS);
export const isoOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** The day number of an ISO date no later than `today`, or why it is not acceptable (never quoting it). */
export function parseIsoDay(raw: string, today: number): { day: number } | { error: string } {
  const m = ISO.exec(raw);
  if (m === null) return { error: 'is not a YYYY-MM-DD date' };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return { error: 'is not a real date' };
  if (y < EARLIEST_YEAR) return { error: `is before ${EARLIEST_YEAR}` };
  const day = dayOfUtc(y, mo, d);
  if (day > today) return { error: 'is in the future' };
  return { day };
}
