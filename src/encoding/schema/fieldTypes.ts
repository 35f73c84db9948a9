import {
  type Normalised,
  nameInitial,
  normaliseDate,
  normaliseName,
  normaliseNhsNumber,
  normaliseSex,
  normaliseText,
  nysiis,
  POSTCODE_PARTS,
  parsePostcode,
  soundex,
} from '../normalise/index.js';
import type { Prepared } from '../plan.js';
import type { FieldSpec } from './cohortlinkSchema.js';

/**
 * Field types: how a raw CSV value is normalised and which named components it offers to
 * features and block keys. Only the components a schema uses are computed (phonetic codes are
 * not free), so each type returns a preparer specialised to the requested component set.
 */

type Components = Record<string, string>;

function lift<T>(n: Normalised<T>, components: (v: T) => Components): Prepared {
  if (n.kind === 'present') return { kind: 'present', components: components(n.value) };
  if (n.kind === 'missing') return { kind: 'missing' };
  return { kind: 'invalid', reason: n.reason };
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function preparerFor(field: FieldSpec, used: ReadonlySet<string>): (raw: string) => Prepared {
  const extraMissing = new Set(field.missingValues.map((v) => v.trim().toLowerCase()));
  const isExtraMissing = (raw: string) => extraMissing.size > 0 && extraMissing.has(raw.trim().toLowerCase());
  const want = (c: string) => used.has(c);
  const inner = basePreparer(field, want);
  return (raw) => (isExtraMissing(raw) ? { kind: 'missing' } : inner(raw));
}

function basePreparer(field: FieldSpec, want: (c: string) => boolean): (raw: string) => Prepared {
  switch (field.type) {
    case 'name': {
      const role = field.role ?? 'full';
      return (raw) =>
        lift(normaliseName(raw, { role }), (v) => {
          const c: Components = { text: v.text };
          if (want('compact')) c.compact = v.parts.join('');
          if (want('first')) c.first = v.parts[0] ?? '';
          if (want('last')) c.last = v.parts[v.parts.length - 1] ?? '';
          if (want('initial')) c.initial = nameInitial(v);
          if (want('soundex')) c.soundex = soundex(role === 'given' ? (v.parts[0] ?? '') : v.parts.join(''));
          if (want('nysiis')) c.nysiis = nysiis(role === 'given' ? (v.parts[0] ?? '') : v.parts.join(''));
          return c;
        });
    }
    case 'date': {
      const formats = field.dateFormats;
      return (raw) =>
        lift(normaliseDate(raw, formats ? { formats } : {}), (v) => {
          const c: Components = {};
          if (want('iso')) c.iso = v.iso;
          if (want('compact')) c.compact = `${v.year}${pad2(v.month)}${pad2(v.day)}`;
          if (want('year')) c.year = String(v.year);
          if (want('month')) c.month = pad2(v.month);
          if (want('day')) c.day = pad2(v.day);
          if (want('yearMonth')) c.yearMonth = `${v.year}-${pad2(v.month)}`;
          if (want('monthDay')) c.monthDay = `${pad2(v.month)}-${pad2(v.day)}`;
          return c;
        });
    }
    case 'postcode': {
      // Postcodes repeat little (half the rows of the spine prepare one): only the parts a
      // schema uses are built.
      const compact = want('compact');
      const parts = Object.entries(POSTCODE_PARTS).filter(([name]) => want(name));
      return (raw) =>
        lift(parsePostcode(raw), ({ outward, inward }) => {
          const c: Components = {};
          if (compact) c.compact = outward + inward;
          for (const [name, part] of parts) c[name] = part(outward, inward);
          return c;
        });
    }
    case 'nhsNumber':
      return (raw) => lift(normaliseNhsNumber(raw), (v) => ({ value: v }));
    case 'sex':
      return (raw) => lift(normaliseSex(raw), (v) => ({ value: v }));
    case 'text':
      return (raw) => lift(normaliseText(raw), (v) => ({ value: v, initial: v.slice(0, 1) }));
    case 'integer':
      return (raw) => {
        const t = raw.trim();
        if (t.length === 0) return { kind: 'missing' };
        if (!/^[+-]?\d{1,15}$/.test(t)) return { kind: 'invalid', reason: 'not_an_integer' };
        return { kind: 'present', components: { value: String(Number(t)) } };
      };
  }
}
