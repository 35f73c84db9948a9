/**
 * HTML escaping and number formatting for the report page. Every string interpolated into the
 * page goes through `esc` — dataset and pass names come from users and files, and a reviewer's
 * browser must never run or fetch anything a name carries.
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and quoted attribute values alike. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Whole numbers with thousands separators (en-GB), as the CLI prints them. */
export function int(n: number): string {
  return n.toLocaleString('en-GB', { maximumFractionDigits: 0 });
}

export function fixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

export function signed(n: number): string {
  return n > 0 ? `+${int(n)}` : n < 0 ? `−${int(-n)}` : '0';
}
