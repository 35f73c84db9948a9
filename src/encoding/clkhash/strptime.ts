/**
 * The subset of Python's datetime.strptime that clkhash date formats use (%Y %m %d %y %b %B %%
 * and literal characters), returning the canonical clkhash output '%Y%m%d' or undefined when the
 * text does not parse or names an impossible date.
 */

import { daysInMonth, MONTH_NAMES } from '../calendar.js';

const MONTHS = MONTH_NAMES.map((m) => m.slice(0, 3));

export function strptimeToYmd(text: string, format: string): string | undefined {
  let pos = 0;
  let year: number | undefined;
  let month = 1;
  let day = 1;
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      // Python treats whitespace in the format as "any amount of whitespace".
      if (/\s/.test(c)) {
        while (pos < text.length && /\s/.test(text[pos]!)) pos++;
        continue;
      }
      if (text[pos] !== c) return undefined;
      pos++;
      continue;
    }
    const d = format[++i];
    const digits = (max: number): number | undefined => {
      const m = /^\d+/.exec(text.slice(pos, pos + max));
      if (!m) return undefined;
      pos += m[0].length;
      return Number(m[0]);
    };
    switch (d) {
      case 'Y': {
        const v = digits(4);
        if (v === undefined) return undefined;
        year = v;
        break;
      }
      case 'y': {
        const v = digits(2);
        if (v === undefined) return undefined;
        year = v < 69 ? 2000 + v : 1900 + v; // Python's POSIX pivot
        break;
      }
      case 'm': {
        const v = digits(2);
        if (v === undefined) return undefined;
        month = v;
        break;
      }
      case 'd': {
        const v = digits(2);
        if (v === undefined) return undefined;
        day = v;
        break;
      }
      case 'b':
      case 'B': {
        const rest = text.slice(pos).toLowerCase();
        const names = d === 'b' ? MONTHS : MONTH_NAMES;
        const idx = names.findIndex((n) => rest.startsWith(n));
        if (idx < 0) return undefined;
        month = idx + 1;
        pos += names[idx]!.length;
        break;
      }
      case '%':
        if (text[pos] !== '%') return undefined;
        pos++;
        break;
      default:
        return undefined;
    }
  }
  if (pos !== text.length || year === undefined) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return `${String(year).padStart(4, '0')}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
}
