import { type AttributeLine, AttributeLineSchema, wellFormedAttributeLine } from './attributeLine.js';
import { Column, Interner } from './columns.js';
import { parseIsoDay, todayDay } from './dates.js';
import {
  describe,
  IssueLog,
  issueMessage,
  type LineOptions,
  type LineSource,
  numberedLines,
} from './lines.js';

export { type AttributeLine, AttributeLineSchema } from './attributeLine.js';

/**
 * `<dataset>.attributes.ndjson`: one JSON object per line,
 * `{"ref","birthYear","birthMonth","sex","region","deceased","deathDate"?}`, for records the
 * dataset has already uploaded encodings for. Read as columns ready for `joinThroughKeys`.
 */

/** Sex as PeopleColumns codes it: 0 unknown, 1 female, 2 male, 3 other/indeterminate. */
export const SEX_CODE = { U: 0, F: 1, M: 2, I: 3 } as const;
export const UNKNOWN_REGION = 0xffff;

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
  /** With `knownRefs` given as a map: the row it gives each line's ref, so callers need no join by ref. */
  readonly knownRows?: Int32Array;
}

/** Record ref → row, rows distinct and in 0 … size − 1 (a keys file’s order, say); a Map will do. */
export interface KnownRefRows {
  readonly size: number;
  get(ref: string): number | undefined;
  has(ref: string): boolean;
}

export interface ReadOptions extends LineOptions {
  readonly dataset: string;
  /**
   * Record refs of the dataset's uploaded encodings; any other ref is an error. As a map to
   * rows, repeats are found with a typed array rather than a second map of a million refs, and
   * the result carries `knownRows`.
   */
  readonly knownRefs: ReadonlySet<string> | KnownRefRows;
  /** Days since 1970-01-01 after which a date is "in the future" (default: today, UTC). */
  readonly today?: number;
}

/**
 * Why a death on `day` cannot follow a birth in `birthYear`/`birthMonth` (either may be
 * unknown), or undefined when it can. Worded without the values: errors never echo a data
 * holder's file.
 */
function deathBeforeBirth(
  day: number,
  birthYear: number | null | undefined,
  birthMonth: number | null | undefined,
): string | undefined {
  if (birthYear == null) return undefined;
  const death = new Date(day * 86_400_000);
  const year = death.getUTCFullYear();
  if (year < birthYear) return 'is before the birth year';
  if (year === birthYear && birthMonth != null && death.getUTCMonth() + 1 < birthMonth)
    return 'is before the birth month';
  return undefined;
}

/** Rows of refs with no row of their own: known from a set, or not known at all. */
const KNOWN_NO_ROW = -1;
const UNKNOWN = -2;

const isRowMap = (known: ReadonlySet<string> | KnownRefRows): known is KnownRefRows => 'get' in known;

export async function readAttributes(source: LineSource, options: ReadOptions): Promise<DatasetAttributes> {
  const today = options.today ?? todayDay();
  const thisYear = new Date(today * 86_400_000).getUTCFullYear();
  const log = new IssueLog();
  const known = options.knownRefs;
  const rowOf = isRowMap(known) ? known : undefined;
  // First line of each known row's ref (0: not seen yet); refs without a row use `firstLine`.
  const firstLineOfRow = rowOf === undefined ? undefined : new Int32Array(rowOf.size);
  const firstLine = new Map<string, number>();
  const refs: string[] = [];
  const cols = {
    birthYear: new Column(Int16Array),
    birthMonth: new Column(Uint8Array),
    sex: new Column(Uint8Array),
    region: new Column(Uint16Array),
    deceased: new Column(Uint8Array),
    deathDay: new Column(Int32Array),
    knownRow: new Column(Int32Array),
  };
  const regions = new Interner();
  let lines = 0;
  for await (const [n, text] of numberedLines(source, options)) {
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
    let a: AttributeLine | undefined = wellFormedAttributeLine(json);
    if (a === undefined) {
      // Only zod words the problem, and with the JSON path reviewers already know.
      const parsed = AttributeLineSchema.safeParse(json);
      if (!parsed.success) {
        for (const i of parsed.error.issues)
          log.add(n, i.path.length > 0 ? i.path.join('.') : null, issueMessage(i));
        continue;
      }
      a = parsed.data;
    }
    const ref = a.ref;
    const row = rowOf === undefined ? (known.has(ref) ? KNOWN_NO_ROW : UNKNOWN) : (rowOf.get(ref) ?? UNKNOWN);
    if (row === UNKNOWN) log.add(n, 'ref', `is not a record of dataset ${options.dataset}'s encodings`);
    const seen = row >= 0 ? firstLineOfRow![row] || undefined : firstLine.get(ref);
    if (seen !== undefined) log.add(n, 'ref', `repeats the record of line ${seen}`);
    if (a.birthYear != null && a.birthYear > thisYear) log.add(n, 'birthYear', 'is in the future');
    let deathDay = -1;
    if (a.deathDate != null) {
      if (!a.deceased) log.add(n, 'deathDate', 'is given but deceased is false');
      const d = parseIsoDay(a.deathDate, today);
      if ('error' in d) log.add(n, 'deathDate', d.error);
      else {
        deathDay = d.day;
        const before = deathBeforeBirth(d.day, a.birthYear, a.birthMonth);
        if (before !== undefined) log.add(n, 'deathDate', before);
      }
    }
    if (row >= 0) firstLineOfRow![row] = seen ?? n;
    else firstLine.set(ref, seen ?? n);
    // After the first bad line nothing will be returned, so stop building columns.
    if (log.badLines > 0) continue;
    refs.push(ref);
    cols.birthYear.push(a.birthYear ?? 0);
    cols.birthMonth.push(a.birthMonth ?? 0);
    cols.sex.push(SEX_CODE[a.sex ?? 'U']);
    cols.region.push(a.region == null ? UNKNOWN_REGION : regions.id(a.region));
    cols.deceased.push(a.deceased ? 1 : 0);
    cols.deathDay.push(deathDay);
    if (row >= 0) cols.knownRow.push(row);
  }
  log.throwIfAny(
    'CL_NDJSON_MALFORMED',
    `attributes of ${options.dataset} (${describe(source, options)})`,
    lines,
  );
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
    ...(rowOf === undefined ? {} : { knownRows: cols.knownRow.finish() }),
  };
}
