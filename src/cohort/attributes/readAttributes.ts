import { z } from 'zod';
import { Column, Interner } from './columns.js';
import { EARLIEST_YEAR, parseIsoDay, todayDay } from './dates.js';
import { describe, IssueLog, type LineSource, numberedLines } from './lines.js';

/**
 * `<dataset>.attributes.ndjson`: one JSON object per line,
 * `{"ref","birthYear","birthMonth","sex","region","deceased","deathDate"?}`, for records the
 * dataset has already uploaded encodings for. Read as columns ready for `joinThroughKeys`.
 */

/** Sex as PeopleColumns codes it: 0 unknown, 1 female, 2 male, 3 other/indeterminate. */
export const SEX_CODE = { U: 0, F: 1, M: 2, I: 3 } as const;
export const UNKNOWN_REGION = 0xffff;

export const AttributeLineSchema = z.strictObject({
  ref: z.string().min(1).max(64),
  birthYear: z.number().int().min(EARLIEST_YEAR).max(9999).nullable().optional(),
  birthMonth: z.number().int().min(1).max(12).nullable().optional(),
  sex: z.enum(['M', 'F', 'I', 'U']).nullable().optional(),
  /** NHS England region (Y56), ICB (QWE) or similar upper-case organisation code. */
  region: z
    .string()
    .regex(/^[A-Z][A-Z0-9]{2,8}$/, 'must be an upper-case region code such as Y56')
    .nullable()
    .optional(),
  deceased: z.boolean(),
  deathDate: z.string().nullable().optional(),
});
export type AttributeLine = z.infer<typeof AttributeLineSchema>;

export interface DatasetAttributes {
  readonly dataset: string;
  readonly count: number;
  readonly refs: readonly string[];
  readonly birthYear: Int16Array; // 0 = unknown
  readonly birthMonth: Uint8Array; // 0 = unknown
  readonly sex: Uint8Array;
  readonly region: Uint16Array; // index into regions, UNKNOWN_REGION = unknown
  readonly regions: readonly string[];
  readonly deceased: Uint8Array;
  readonly deathDay: Int32Array; // -1 = none
}

export interface ReadOptions {
  readonly dataset: string;
  /** Record refs of the dataset's uploaded encodings; any other ref is an error. */
  readonly knownRefs: ReadonlySet<string>;
  /** Days since 1970-01-01 after which a date is "in the future" (default: today, UTC). */
  readonly today?: number;
}

export async function readAttributes(source: LineSource, options: ReadOptions): Promise<DatasetAttributes> {
  const today = options.today ?? todayDay();
  const thisYear = new Date(today * 86_400_000).getUTCFullYear();
  const log = new IssueLog();
  const firstLine = new Map<string, number>();
  const refs: string[] = [];
  const cols = {
    birthYear: new Column(Int16Array),
    birthMonth: new Column(Uint8Array),
    sex: new Column(Uint8Array),
    region: new Column(Uint16Array),
    deceased: new Column(Uint8Array),
    deathDay: new Column(Int32Array),
  };
  const regions = new Interner();
  let lines = 0;
  for await (const [n, text] of numberedLines(source)) {
    lines = n;
    if (text.trim() === '') {
      log.add(n, null, 'is blank (one JSON object per line)');
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      log.add(n, null, 'is not valid JSON');
      continue;
    }
    const parsed = AttributeLineSchema.safeParse(json);
    if (!parsed.success) {
      for (const i of parsed.error.issues) log.add(n, i.path.length > 0 ? i.path.join('.') : null, i.message);
      continue;
    }
    const a = parsed.data;
    if (!options.knownRefs.has(a.ref))
      log.add(n, 'ref', `is not a record of dataset ${options.dataset}'s encodings`);
    const seen = firstLine.get(a.ref);
    if (seen !== undefined) log.add(n, 'ref', `repeats the record of line ${seen}`);
    if (a.birthYear != null && a.birthYear > thisYear) log.add(n, 'birthYear', 'is in the future');
    let deathDay = -1;
    if (a.deathDate != null) {
      if (!a.deceased) log.add(n, 'deathDate', 'is given but deceased is false');
      const d = parseIsoDay(a.deathDate, today);
      if ('error' in d) log.add(n, 'deathDate', d.error);
      else deathDay = d.day;
    }
    if (log.badLines > 0) {
      // After the first bad line nothing will be returned, so stop building columns.
      firstLine.set(a.ref, seen ?? n);
      continue;
    }
    firstLine.set(a.ref, n);
    refs.push(a.ref);
    cols.birthYear.push(a.birthYear ?? 0);
    cols.birthMonth.push(a.birthMonth ?? 0);
    cols.sex.push(SEX_CODE[a.sex ?? 'U']);
    cols.region.push(a.region == null ? UNKNOWN_REGION : regions.id(a.region));
    cols.deceased.push(a.deceased ? 1 : 0);
    cols.deathDay.push(deathDay);
  }
  log.throwIfAny('CL_NDJSON_MALFORMED', `attributes of ${options.dataset} (${describe(source)})`, lines);
  return {
    dataset: options.dataset,
    count: refs.length,
    refs,
    birthYear: cols.birthYear.finish(),
    birthMonth: cols.birthMonth.finish(),
    sex: cols.sex.finish(),
    region: cols.region.finish(),
    regions: regions.values,
    deceased: cols.deceased.finish(),
    deathDay: cols.deathDay.finish(),
  };
}
