import { ICD10, OPCS4, RECORDING, type Recording, SNOMED, undotted } from './attributesCodes.js';
import { type ClinicalTruth, lastEventDay, WINDOW_END_DAY, WINDOW_START_DAY } from './attributesModel.js';
import type { FormatName } from './config.js';
import type { BufferedWriter } from './csvWriter.js';
import type { Person } from './population.js';
import type { Rng } from './rng.js';
import { ShuffleWindow } from './shuffleWindow.js';

/**
 * Writes `<dataset>.attributes.ndjson` and `<dataset>.events.csv` for one dataset, and
 * `truth.people.csv` for the whole population. Attribute rows go through a shuffle window seeded
 * exactly like the dataset's own, so line i of the attribute file belongs to row i of the dataset
 * CSV; writing them in generation order instead would let anyone pair records across datasets by
 * position, a leak the linkage is supposed to be tested without.
 */

export const EVENTS_HEADER = 'ref,system,code,date\n';
export const PEOPLE_TRUTH_HEADER =
  'person_id,in_spine,birth_year,birth_month,sex,region,deceased,death_date,opted_out,conditions,procedures\n';

/** ISO dates of every day in the event window, built once (formatting per event is the hot path). */
const ISO_DAYS: readonly string[] = Array.from({ length: WINDOW_END_DAY - WINDOW_START_DAY + 1 }, (_, i) =>
  new Date((WINDOW_START_DAY + i) * 86_400_000).toISOString().slice(0, 10),
);
export const isoDay = (day: number): string => ISO_DAYS[day - WINDOW_START_DAY]!;

/** One NDJSON attributes line; refs are base32 and codes are fixed, so no escaping is needed. */
export function attributeLine(ref: string, p: Person, t: ClinicalTruth): string {
  const death = t.deceased ? `,"deathDate":"${isoDay(t.deathDay)}"` : '';
  return (
    `{"ref":"${ref}","birthYear":${p.dobY},"birthMonth":${p.dobM},"sex":"${p.sex}",` +
    `"region":"${p.region}","deceased":${t.deceased}${death}}\n`
  );
}

/** The events a dataset of this kind holds for one record of the person, as CSV lines. */
function eventLines(rng: Rng, how: Recording, ref: string, t: ClinicalTruth): string {
  let out = '';
  const last = lastEventDay(t);
  for (const { condition, onsetDay } of t.conditions) {
    const chance = how.chance[condition];
    if (chance === undefined || !rng.chance(chance)) continue;
    const first = Math.max(onsetDay, WINDOW_START_DAY);
    const codes = how.system === 'SNOMED-CT' ? SNOMED[condition] : ICD10[condition];
    const n = 1 + rng.int(how.extra + 1);
    for (let i = 0; i < n; i++) {
      // The first event of a new diagnosis is on the onset day; later ones are reviews/admissions.
      const day = i === 0 && onsetDay >= WINDOW_START_DAY ? onsetDay : first + rng.int(last - first + 1);
      const code = rng.pick(codes);
      out += `${ref},${how.system},${how.dotted ? code : undotted(code)},${isoDay(day)}\n`;
    }
  }
  if (how.procedures) {
    for (const { procedure, day } of t.procedures) {
      for (const code of procedure === 'cataract' ? OPCS4.cataract : [rng.pick(OPCS4[procedure])]) {
        out += `${ref},OPCS-4,${undotted(code)},${isoDay(day)}\n`;
      }
    }
  }
  return out;
}

/** Attribute and event output of one dataset (the spine has demographics only: `format` null). */
export class AttributeSink {
  private readonly window: ShuffleWindow;
  private readonly how: Recording | null;
  records = 0;
  events = 0;

  constructor(
    format: FormatName | null,
    /** Must be seeded like the dataset's own shuffle window, so both permute rows the same way. */
    shuffleRng: Rng,
    private readonly recordRng: Rng,
    windowSize: number,
    readonly attributes: BufferedWriter,
    readonly eventsOut: BufferedWriter,
  ) {
    this.how = format === null ? null : RECORDING[format];
    eventsOut.push(EVENTS_HEADER);
    this.window = new ShuffleWindow(shuffleRng, windowSize, attributes, eventsOut);
  }

  /** Called once per record, in the same order as the dataset's rows. */
  push(ref: string, p: Person, t: ClinicalTruth): void {
    const events = this.how === null ? '' : eventLines(this.recordRng, this.how, ref, t);
    for (let i = events.indexOf('\n'); i !== -1; i = events.indexOf('\n', i + 1)) this.events++;
    this.window.push(attributeLine(ref, p, t), events);
    this.records++;
  }

  flush(): void {
    this.window.flush();
  }

  get writers(): readonly BufferedWriter[] {
    return [this.attributes, this.eventsOut];
  }
}

/** One row of truth.people.csv: a person's true demographics and clinical state. */
export function peopleTruthRow(p: Person, inSpine: boolean, t: ClinicalTruth): string {
  return (
    `${p.personId},${inSpine ? 1 : 0},${p.dobY},${p.dobM},${p.sex},${p.region},${t.deceased ? 1 : 0},` +
    `${t.deceased ? isoDay(t.deathDay) : ''},${t.optedOut ? 1 : 0},` +
    `${t.conditions.map((c) => c.condition).join(';')},${t.procedures.map((x) => x.procedure).join(';')}\n`
  );
}
