import { z } from 'zod';
import { CohortlinkError } from '../../errors.js';
import { CODE_SYSTEMS } from '../people.js';
import { type CodeSystem, normaliseCode, SYSTEM_INDEX } from './codes.js';
import { Column, Interner } from './columns.js';
import { parseIsoDay, todayDay } from './dates.js';
import { describe, IssueLog, issueMessage, type LineSource, numberedLines } from './lines.js';
import type { ReadOptions } from './readAttributes.js';

/**
 * `<dataset>.events.csv`: header `ref,system,code,date`, then one coded clinical event per line.
 * Fields never need quoting (refs are opaque ids, codes and dates are plain), so a quote or a
 * fifth field is an error rather than something to guess about.
 */

export const EVENTS_HEADER = 'ref,system,code,date';
const COLUMNS = ['ref', 'system', 'code', 'date'] as const;

const EventRowSchema = z.object({
  ref: z.string().min(1, 'is empty').max(64),
  system: z.enum(CODE_SYSTEMS, { error: `must be one of ${CODE_SYSTEMS.join(', ')}` }),
  code: z.string().min(1, 'is empty'),
  date: z.string(),
});

export interface DatasetEvents {
  readonly dataset: string;
  readonly count: number;
  /** Distinct refs that have events; `ref` indexes into it. */
  readonly refs: readonly string[];
  readonly ref: Uint32Array;
  readonly system: Uint8Array; // index into CODE_SYSTEMS
  readonly code: Uint32Array; // index into codes
  readonly codes: readonly string[]; // normalised codes
  readonly day: Int32Array; // days since 1970-01-01
}

export async function readEvents(source: LineSource, options: ReadOptions): Promise<DatasetEvents> {
  const today = options.today ?? todayDay();
  const log = new IssueLog();
  const refs = new Interner();
  const codes = new Interner();
  const cols = {
    ref: new Column(Uint32Array),
    system: new Column(Uint8Array),
    code: new Column(Uint32Array),
    day: new Column(Int32Array),
  };
  let lines = 0;
  for await (const [n, text] of numberedLines(source, options)) {
    lines = n;
    if (n === 1) {
      if (text.trim() !== EVENTS_HEADER)
        throw new CohortlinkError(
          'CL_CSV_HEADER',
          `events of ${options.dataset} (${describe(source, options)})`,
          [{ path: 'line 1', message: `header must be '${EVENTS_HEADER}'` }],
        );
      continue;
    }
    if (text === '') {
      log.add(n, null, 'is blank');
      continue;
    }
    const fields = text.split(',');
    if (fields.length !== COLUMNS.length || text.includes('"')) {
      log.add(n, null, `must have exactly ${COLUMNS.length} unquoted fields (${EVENTS_HEADER})`);
      continue;
    }
    const parsed = EventRowSchema.safeParse({
      ref: fields[0],
      system: fields[1],
      code: fields[2],
      date: fields[3],
    });
    if (!parsed.success) {
      for (const i of parsed.error.issues) log.add(n, String(i.path[0] ?? ''), issueMessage(i));
      continue;
    }
    const e = parsed.data;
    if (!options.knownRefs.has(e.ref))
      log.add(n, 'ref', `is not a record of dataset ${options.dataset}'s encodings`);
    const code = normaliseCode(e.system as CodeSystem, e.code);
    if ('error' in code) log.add(n, 'code', code.error);
    const day = parseIsoDay(e.date, today);
    if ('error' in day) log.add(n, 'date', day.error);
    if (log.badLines > 0 || 'error' in code || 'error' in day) continue;
    cols.ref.push(refs.id(e.ref));
    cols.system.push(SYSTEM_INDEX.get(e.system)!);
    cols.code.push(codes.id(code.code));
    cols.day.push(day.day);
  }
  if (lines === 0)
    throw new CohortlinkError(
      'CL_CSV_HEADER',
      `events of ${options.dataset} (${describe(source, options)})`,
      [{ path: 'line 1', message: `is missing; the header must be '${EVENTS_HEADER}'` }],
    );
  log.throwIfAny('CL_CSV_MALFORMED', `events of ${options.dataset} (${describe(source, options)})`, lines);
  return {
    dataset: options.dataset,
    count: cols.ref.length,
    refs: refs.values,
    ref: cols.ref.finish(),
    system: cols.system.finish(),
    code: cols.code.finish(),
    codes: codes.values,
    day: cols.day.finish(),
  };
}
