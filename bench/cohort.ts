import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseCriteria } from '../src/cohort/criteria/index.js';
import { compileCohortPlan, evaluateCohortPlan, sortedCodeOrder } from '../src/cohort/evaluate/index.js';
import { CODE_SYSTEMS, type EventColumns, type PeopleColumns } from '../src/cohort/people.js';
import { seededRandom } from '../src/seededRandom.js';

/**
 * Cohort selection speed: synthetic linked columns (default 1,000,000 people, ~10,000,000
 * events over 10 years) with realistic prevalence — type 2 diabetes (E11) ~7% of people,
 * hypertension (I10) ~15%, asthma (J45) ~9%, metformin/insulin prescriptions among diabetics,
 * the rest spread over every ICD-10 chapter, OPCS-4, SNOMED CT and dm+d — and several realistic
 * criteria. Each figure is parse + compile + evaluate, best and median of `repeats` runs, one
 * thread. The target (issue 5) is under 2 s per query. For comparison, the same event predicate
 * evaluated event-first (one pass over all events into per-person counters, the alternative
 * design) is timed beside the person-first scan the evaluator uses.
 *
 *   node dist/bench/cohort.js [--people N] [--events-per-person k] [--repeats r]
 */

export interface CohortBenchOptions {
  readonly people?: number;
  readonly eventsPerPerson?: number;
  readonly repeats?: number;
  readonly seed?: number;
}

const DEFAULTS = { people: 1_000_000, eventsPerPerson: 10, repeats: 5, seed: 20261201 };
const DAY_FIRST = 17_136; // 2016-12-01
const DAY_LAST = 20_787; // 2026-11-30
const ICD = CODE_SYSTEMS.indexOf('ICD-10');
const OPCS = CODE_SYSTEMS.indexOf('OPCS-4');
const SNOMED = CODE_SYSTEMS.indexOf('SNOMED-CT');
const DMD = CODE_SYSTEMS.indexOf('dm+d');

/** Defaults under the options actually given (an absent CLI flag arrives as undefined). */
function withDefaults(options: CohortBenchOptions): typeof DEFAULTS {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { ...DEFAULTS, ...given };
}

interface CodeBook {
  readonly codes: string[];
  /** Code indices per system, and named clinical groups. */
  readonly bySystem: number[][];
  readonly e11: number[];
  readonly e10: number[];
  readonly i10: number;
  readonly j45: number[];
  readonly metformin: number;
  readonly insulin: number[];
}

/** Synthetic dm+d product codes; 17 stands for metformin, 40..43 for insulins. */
const dmdCode = (i: number): string => String(300_000_000 + i * 104_729);
const INSULIN_CODES = [40, 41, 42, 43].map(dmdCode);

function codeBook(): CodeBook {
  const codes: string[] = [];
  const bySystem: number[][] = [[], [], [], []];
  const add = (system: number, code: string): number => {
    codes.push(code);
    bySystem[system]!.push(codes.length - 1);
    return codes.length - 1;
  };
  // ICD-10: every chapter letter, 100 categories each, ten 4-character subcodes per category.
  for (const letter of 'ABCDEFGHIJKLMNOPQRSTVWXYZ') {
    for (let c = 0; c < 100; c++) {
      const cat = `${letter}${String(c).padStart(2, '0')}`;
      add(ICD, cat);
      for (let s = 0; s < 10; s++) add(ICD, `${cat}${s}`);
    }
  }
  for (let i = 0; i < 1500; i++)
    add(OPCS, `${'ABCDEFGHJKLMNOPQRSTUVWXYZ'[i % 25]}${String(i % 100).padStart(2, '0')}${i % 10}`);
  for (let i = 0; i < 5000; i++) add(SNOMED, String(10_000_000 + i * 7919));
  for (let i = 0; i < 3000; i++) add(DMD, dmdCode(i));
  const idx = (code: string) => codes.indexOf(code);
  return {
    codes,
    bySystem,
    e11: ['E11', 'E110', 'E112', 'E115', 'E119'].map(idx),
    e10: ['E10', 'E109'].map(idx),
    i10: idx('I10'),
    j45: ['J45', 'J450', 'J459'].map(idx),
    metformin: bySystem[DMD]![17]!,
    insulin: bySystem[DMD]!.slice(40, 44),
  };
}

export function syntheticColumns(options: CohortBenchOptions = {}): {
  people: PeopleColumns;
  events: EventColumns;
} {
  const o = withDefaults(options);
  const rnd = seededRandom(o.seed);
  const n = o.people;
  const book = codeBook();
  const regions = Array.from({ length: 42 }, (_, i) => `E54${String(i + 1).padStart(6, '0')}`);
  const birthYear = new Int16Array(n);
  const birthMonth = new Uint8Array(n);
  const sex = new Uint8Array(n);
  const region = new Uint16Array(n);
  const deceased = new Uint8Array(n);
  const deathDay = new Int32Array(n).fill(-1);
  const optedOut = new Uint8Array(n);
  const counts = new Uint32Array(n);
  let total = 0;
  for (let p = 0; p < n; p++) {
    birthYear[p] = rnd() < 0.005 ? 0 : 1926 + Math.floor(rnd() * 99);
    birthMonth[p] = rnd() < 0.02 ? 0 : 1 + Math.floor(rnd() * 12);
    sex[p] = rnd() < 0.01 ? 0 : rnd() < 0.51 ? 1 : 2;
    region[p] = rnd() < 0.01 ? 0xffff : Math.floor(rnd() * regions.length);
    if (rnd() < 0.01) {
      deceased[p] = 1;
      deathDay[p] = DAY_FIRST + Math.floor(rnd() * (DAY_LAST - DAY_FIRST));
    }
    optedOut[p] = rnd() < 0.03 ? 1 : 0;
    // Exponential number of events with the requested mean: most people have a few, some many.
    counts[p] = Math.min(250, Math.floor(-Math.log(1 - rnd()) * o.eventsPerPerson + 0.5));
    total += counts[p]!;
  }
  const personOffsets = new Uint32Array(n + 1);
  const system = new Uint8Array(total);
  const code = new Uint32Array(total);
  const day = new Int32Array(total);
  const dataset = new Uint16Array(total);
  const pick = (xs: readonly number[]) => xs[Math.floor(rnd() * xs.length)]!;
  const put = (e: number, s: number, c: number) => {
    system[e] = s;
    code[e] = c;
  };
  let e = 0;
  for (let p = 0; p < n; p++) {
    personOffsets[p] = e;
    const start = e;
    const k = counts[p]!;
    for (let i = 0; i < k; i++) day[e + i] = DAY_FIRST + Math.floor(rnd() * (DAY_LAST - DAY_FIRST + 1));
    // The contract sorts each person's events by day; codes are drawn independently of days.
    day.subarray(start, start + k).sort();
    for (let i = 0; i < k; i++) {
      const r = rnd();
      const s = r < 0.6 ? ICD : r < 0.75 ? OPCS : r < 0.9 ? SNOMED : DMD;
      put(e + i, s, pick(book.bySystem[s]!));
      dataset[e + i] = s === DMD ? 2 : rnd() < 0.7 ? 0 : 1;
    }
    // Conditions overwrite some of the person's events, so prevalence is per person, and
    // at random positions, so their days are spread like everyone else's.
    const claim = (s: number, c: number) => put(start + Math.floor(rnd() * k), s, c);
    if (k > 0 && rnd() < 0.07 / 0.9) {
      for (let j = 0; j < 3; j++) claim(ICD, pick(book.e11));
      if (rnd() < 0.7) claim(DMD, book.metformin);
      if (rnd() < 0.15) claim(DMD, pick(book.insulin));
    }
    if (k > 0 && rnd() < 0.15 / 0.9) claim(ICD, book.i10);
    if (k > 0 && rnd() < 0.09 / 0.9) for (let j = 0; j < 4; j++) claim(ICD, pick(book.j45));
    if (k > 0 && rnd() < 0.004 / 0.9) claim(ICD, pick(book.e10));
    e += k;
  }
  personOffsets[n] = e;
  const people: PeopleColumns = {
    count: n,
    birthYear,
    birthMonth,
    sex,
    region,
    regions,
    deceased,
    deathDay,
    optedOut,
  };
  const events: EventColumns = {
    count: total,
    personOffsets,
    system,
    code,
    codes: book.codes,
    day,
    dataset,
    datasets: ['gp', 'hes', 'pharmacy'],
  };
  return { people, events };
}

const F = 'cohortlink-criteria/1';
export const BENCH_CRITERIA: Record<string, unknown> = {
  't2dm trial: age 40-75, E11* in 5 y, no insulin, no E10*': {
    format: F,
    where: {
      all: [
        { age: { min: 40, max: 75, at: '2026-12-01' } },
        { event: { system: 'ICD-10', codes: ['E11*'], from: '2021-12-01', to: '2026-12-01' } },
        { not: { event: { system: 'dm+d', codes: INSULIN_CODES } } },
        { not: { event: { system: 'ICD-10', codes: ['E10*'] } } },
      ],
    },
  },
  'asthma: female, 5 ICBs, >=3 J45* events': {
    format: F,
    where: {
      all: [
        { sex: ['female'] },
        { region: ['E54000001', 'E54000002', 'E54000003', 'E54000004', 'E54000005'] },
        { event: { system: 'ICD-10', codes: ['J45*'], atLeast: 3 } },
      ],
    },
  },
  'hypertension, 18+, no cancer (C*) in 5 y': {
    format: F,
    where: {
      all: [
        { age: { min: 18, at: '2026-12-01' } },
        { event: { system: 'ICD-10', codes: ['I10'] } },
        { not: { event: { system: 'ICD-10', codes: ['C*'], from: '2021-12-01' } } },
      ],
    },
  },
  'everyone scanned: 20 cardiovascular prefixes, gp only': {
    format: F,
    where: {
      event: {
        system: 'ICD-10',
        dataset: 'gp',
        codes: Array.from({ length: 20 }, (_, i) => `I${String(20 + i).padStart(2, '0')}*`),
      },
    },
  },
  'worst case: any of 4 rare-code scans over everyone, then not': {
    format: F,
    where: {
      not: {
        any: [
          { event: { system: 'ICD-10', codes: ['Q90*'] } },
          { event: { system: 'OPCS-4', codes: ['K40*'], atLeast: 2 } },
          { event: { system: 'SNOMED-CT', codes: ['10007919'] } },
          { event: { system: 'ICD-10', codes: ['G35*'], to: '2020-01-01' } },
        ],
      },
    },
  },
};

export interface CohortBenchRow {
  readonly name: string;
  readonly bestSeconds: number;
  readonly medianSeconds: number;
  readonly eligible: number;
}

function timeIt(repeats: number, f: () => number): { best: number; median: number; value: number } {
  const times: number[] = [];
  let value = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    value = f();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return { best: times[0]!, median: times[times.length >> 1]!, value };
}

/** The alternative design: one pass over every event into per-person counters, no early exit. */
function eventFirstCount(
  events: EventColumns,
  personOfEvent: Uint32Array,
  table: Uint8Array,
  sys: number,
): number {
  const counter = new Uint8Array(events.personOffsets.length - 1);
  const { code, system } = events;
  for (let e = 0; e < events.count; e++) {
    if (table[code[e]!] === 1 && system[e] === sys) counter[personOfEvent[e]!] = 1;
  }
  let n = 0;
  for (let p = 0; p < counter.length; p++) n += counter[p]!;
  return n;
}

export function benchCohort(options: CohortBenchOptions = {}): {
  rows: CohortBenchRow[];
  people: number;
  events: number;
  generateSeconds: number;
  codeIndexSeconds: number;
} {
  const o = withDefaults(options);
  const g0 = performance.now();
  const { people, events } = syntheticColumns(o);
  const generateSeconds = (performance.now() - g0) / 1000;
  const c0 = performance.now();
  sortedCodeOrder(events.codes); // built once per column set, then cached
  const codeIndexSeconds = (performance.now() - c0) / 1000;
  const rows: CohortBenchRow[] = [];
  for (const [name, json] of Object.entries(BENCH_CRITERIA)) {
    const t = timeIt(
      o.repeats,
      () => evaluateCohortPlan(compileCohortPlan(parseCriteria(json), people, events)).eligibleCount,
    );
    rows.push({ name, bestSeconds: t.best, medianSeconds: t.median, eligible: t.value });
  }
  // Same predicate (E11* anywhere, everyone), both designs.
  const e11 = parseCriteria({ format: F, where: { event: { system: 'ICD-10', codes: ['E11*'] } } });
  const personFirst = timeIt(o.repeats, () => {
    const plan = compileCohortPlan(e11, people, events);
    return evaluateCohortPlan(plan).matchedCount;
  });
  rows.push({
    name: 'E11* over everyone: person-first scan (evaluator)',
    bestSeconds: personFirst.best,
    medianSeconds: personFirst.median,
    eligible: personFirst.value,
  });
  const personOfEvent = new Uint32Array(events.count);
  for (let p = 0; p < people.count; p++) {
    personOfEvent.fill(p, events.personOffsets[p]!, events.personOffsets[p + 1]!);
  }
  const plan = compileCohortPlan(e11, people, events);
  const root = plan.root;
  if (root.kind === 'event') {
    const eventFirst = timeIt(o.repeats, () =>
      eventFirstCount(events, personOfEvent, root.table, root.system),
    );
    rows.push({
      name: 'E11* over everyone: event-first pass (alternative)',
      bestSeconds: eventFirst.best,
      medianSeconds: eventFirst.median,
      eligible: eventFirst.value,
    });
  }
  return { rows, people: people.count, events: events.count, generateSeconds, codeIndexSeconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const num = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const r = benchCohort({
    people: num('--people'),
    eventsPerPerson: num('--events-per-person'),
    repeats: num('--repeats'),
  });
  console.log(
    `\nCohort criteria (node ${process.version}, one thread): ${r.people.toLocaleString()} people, ` +
      `${r.events.toLocaleString()} events; columns generated in ${r.generateSeconds.toFixed(1)} s, ` +
      `code index built once in ${(r.codeIndexSeconds * 1000).toFixed(0)} ms`,
  );
  console.table(
    r.rows.map((x) => ({
      criteria: x.name,
      'best (s)': Number(x.bestSeconds.toFixed(3)),
      'median (s)': Number(x.medianSeconds.toFixed(3)),
      'eligible/matched': x.eligible,
    })),
  );
}
