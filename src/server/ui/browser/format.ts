/** How the UI writes times and counts. */

/** `2026-01-31 14:05 UTC` from an ISO time (the service's times are UTC). */
export function when(iso: string | null): string {
  if (iso === null) return '—';
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-GB');
}

/** The first block of an id: enough to tell runs apart on screen (the full id is in the link). */
export function shortId(id: string): string {
  return id.split('-')[0] ?? id;
}
