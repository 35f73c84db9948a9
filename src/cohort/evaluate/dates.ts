const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 for an ISO date the criteria schema has already validated. */
export function isoToDay(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return Math.floor(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

/** Year and month (1..12) of an ISO date. */
export function isoYearMonth(iso: string): { year: number; month: number } {
  const [y, m] = iso.split('-').map(Number) as [number, number];
  return { year: y, month: m };
}
