import { z } from 'zod';
import { CohortlinkError, type Issue } from '../src/errors.js';
import { REGION_CODES, type RegionCode } from './places.js';

/**
 * Options for `cohortlink generate`: the zod schemas (for the programmatic API and the --config
 * file), the corruption presets and every default, in one place.
 */

/** Every corruption kind; each is a per-record probability (see corruption.ts for what it does). */
export const RATE_KINDS = [
  'nhsMissing',
  'nhsTypo',
  'givenMissing',
  'familyMissing',
  'dobMissing',
  'sexMissing',
  'postcodeMissing',
  'addressMissing',
  'keyboardTypo',
  'ocr',
  'phonetic',
  'nickname',
  'nameSwap',
  'dayMonthSwap',
  'dateTypo',
  'moved',
  'marriedName',
] as const;
export type RateKind = (typeof RATE_KINDS)[number];
export type Rates = Record<RateKind, number>;

export const FORMAT_NAMES = ['hospital', 'registry', 'gp', 'trial'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export const PRESETS = { default: 1, light: 0.4, heavy: 2.5 } as const;
export type Preset = keyof typeof PRESETS;

/**
 * Default-preset rates per dataset profile. Hospital data: NHS number often missing, nicknames
 * at the front desk, fairly current addresses. Registry data: older and transcribed, so more OCR
 * errors and more people who have since moved or married. With these, about 60–70% of derived
 * records are untouched and nearly all others carry one to three corruptions.
 */
const BASE_RATES: Record<FormatName, Rates> = {
  hospital: {
    nhsMissing: 0.2,
    nhsTypo: 0.01,
    givenMissing: 0.002,
    familyMissing: 0.001,
    dobMissing: 0.002,
    sexMissing: 0.005,
    postcodeMissing: 0.02,
    addressMissing: 0.01,
    keyboardTypo: 0.04,
    ocr: 0.003,
    phonetic: 0.015,
    nickname: 0.05,
    nameSwap: 0.005,
    dayMonthSwap: 0.01,
    dateTypo: 0.01,
    moved: 0.06,
    marriedName: 0.04,
  },
  registry: {
    nhsMissing: 0.06,
    nhsTypo: 0.02,
    givenMissing: 0.003,
    familyMissing: 0.002,
    dobMissing: 0.004,
    sexMissing: 0.01,
    postcodeMissing: 0.03,
    addressMissing: 0.02,
    keyboardTypo: 0.03,
    ocr: 0.02,
    phonetic: 0.02,
    nickname: 0.02,
    nameSwap: 0.008,
    dayMonthSwap: 0.015,
    dateTypo: 0.015,
    moved: 0.12,
    marriedName: 0.06,
  },
  gp: {
    nhsMissing: 0.02,
    nhsTypo: 0.005,
    givenMissing: 0.001,
    familyMissing: 0.001,
    dobMissing: 0.001,
    sexMissing: 0.002,
    postcodeMissing: 0.01,
    addressMissing: 0.01,
    keyboardTypo: 0.03,
    ocr: 0.002,
    phonetic: 0.01,
    nickname: 0.03,
    nameSwap: 0.003,
    dayMonthSwap: 0.005,
    dateTypo: 0.005,
    moved: 0.03,
    marriedName: 0.02,
  },
  trial: {
    nhsMissing: 0.1,
    nhsTypo: 0.02,
    givenMissing: 0.002,
    familyMissing: 0.002,
    dobMissing: 0.003,
    sexMissing: 0.01,
    postcodeMissing: 0.03,
    addressMissing: 0.05,
    keyboardTypo: 0.05,
    ocr: 0.002,
    phonetic: 0.02,
    nickname: 0.06,
    nameSwap: 0.01,
    dayMonthSwap: 0.02,
    dateTypo: 0.01,
    moved: 0.04,
    marriedName: 0.03,
  },
};

/** Overlap with the spine when none is given, by dataset name; other names get 0.5. */
const DEFAULT_OVERLAP: Record<string, number> = { hospital: 0.8, registry: 0.5, gp: 0.9, trial: 0.1 };

export const DEFAULTS = {
  datasets: ['hospital', 'registry'],
  corruption: 'default' as Preset,
  /** Share of people generated outside the spine (so ~5% of each derived dataset cannot link). */
  outOfSpineRate: 0.05,
  /** Share of derived records that get a second, independently corrupted copy. */
  duplicateRate: 0.01,
  /** Derived rows are shuffled within windows of this many rows. */
  shuffleWindow: 10_000,
  maxPeople: 100_000_000,
  maxDatasets: 8,
} as const;

const rate = z.number().min(0).max(1);
const rateShape = Object.fromEntries(RATE_KINDS.map((k) => [k, rate.optional()])) as {
  [K in RateKind]: z.ZodOptional<typeof rate>;
};
export const RatesSchema = z.strictObject(rateShape);

/** Dataset names become file names and the `<name>_ref` column. */
export const DATASET_NAME = /^[a-z][a-z0-9_]{0,31}$/;
/** The opt-out register's dataset name (see attributesOptOut.ts), reserved only when attributes are on. */
export const ATTRIBUTE_RESERVED_NAME = 'optout';
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['spine', 'truth', 'corruption']);
export const DatasetSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z][a-z0-9_]{0,31}$/,
      'must be lower-case letters, digits or _ (at most 32), starting with a letter',
    )
    .refine((n) => !RESERVED_NAMES.has(n), 'is reserved (spine, truth and corruption name output files)'),
  overlap: rate.optional(),
  format: z.enum(FORMAT_NAMES).optional(),
  rates: RatesSchema.optional(),
});

const shared = {
  datasets: z
    .array(DatasetSchema)
    .min(1)
    .max(DEFAULTS.maxDatasets)
    .refine((ds) => new Set(ds.map((d) => d.name)).size === ds.length, 'dataset names must be unique')
    .optional(),
  corruption: z.enum(Object.keys(PRESETS) as [Preset, ...Preset[]]).optional(),
  heavyRegion: z.enum(REGION_CODES as [RegionCode, ...RegionCode[]]).optional(),
  outOfSpineRate: z.number().min(0).max(0.5).optional(),
  duplicateRate: z.number().min(0).max(0.5).optional(),
  shuffleWindow: z.number().int().min(1).max(1_000_000).optional(),
  /** Write attribute, event and opt-out register files too (default true). */
  attributes: z.boolean().optional(),
};
const people = z.number().int().min(1).max(DEFAULTS.maxPeople);
const seed = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The --config JSON file: everything optional; command-line flags override it. */
export const ConfigFileSchema = z.strictObject({
  people: people.optional(),
  seed: seed.optional(),
  ...shared,
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** Options of the programmatic API (`generatePopulation`). */
export const GenerateOptionsSchema = z.strictObject({ people, seed, outDir: z.string().min(1), ...shared });
export type GenerateOptionsInput = z.input<typeof GenerateOptionsSchema>;

export interface ResolvedDataset {
  readonly name: string;
  readonly overlap: number;
  readonly format: FormatName;
  /** Effective rates for records of people outside the heavy region. */
  readonly rates: Rates;
  /** Effective rates for people in the heavy region, or null when no heavy region is set. */
  readonly heavyRates: Rates | null;
}

export interface ResolvedOptions {
  readonly people: number;
  readonly seed: number;
  readonly outDir: string;
  readonly corruption: Preset;
  readonly heavyRegion: RegionCode | null;
  readonly outOfSpineRate: number;
  readonly duplicateRate: number;
  readonly shuffleWindow: number;
  readonly datasets: readonly ResolvedDataset[];
  /** Whether attributes, events, the opt-out register and truth.people.csv are written. */
  readonly attributes: boolean;
}

/** zod issues as cohortlink issues, with JSON paths like `datasets[0].overlap`. */
export function toIssues(error: z.ZodError, root = ''): Issue[] {
  return error.issues.map((i) => {
    let path = root;
    for (const seg of i.path)
      path += typeof seg === 'number' ? `[${seg}]` : path === '' ? String(seg) : `.${String(seg)}`;
    return { path: path === '' ? '(root)' : path, message: i.message };
  });
}

export function scaleRates(rates: Rates, factor: number): Rates {
  const out = {} as Rates;
  for (const k of RATE_KINDS) out[k] = Math.min(1, rates[k] * factor);
  return out;
}

/**
 * Validates and fills in defaults. Rates given by the user replace the profile's default-preset
 * rates; the preset (and the heavy region) then scales them.
 */
export function resolveOptions(input: unknown): ResolvedOptions {
  const parsed = GenerateOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new CohortlinkError('CL_USAGE', 'invalid generate options', toIssues(parsed.error));
  }
  const o = parsed.data;
  const corruption = o.corruption ?? DEFAULTS.corruption;
  const heavyRegion = o.heavyRegion ?? null;
  const specs: z.infer<typeof DatasetSchema>[] = o.datasets ?? DEFAULTS.datasets.map((name) => ({ name }));
  const attributes = o.attributes ?? true;
  // With attributes on, the opt-out register is written as `optout.csv`; a dataset may not take its name.
  const clash = specs.findIndex((d) => d.name === ATTRIBUTE_RESERVED_NAME);
  if (attributes && clash !== -1) {
    throw new CohortlinkError('CL_USAGE', 'invalid generate options', [
      {
        path: `datasets[${clash}].name`,
        message: `'${ATTRIBUTE_RESERVED_NAME}' is reserved for the opt-out register while attributes are on`,
      },
    ]);
  }
  const datasets = specs.map((d, i): ResolvedDataset => {
    const format =
      d.format ??
      (FORMAT_NAMES as readonly string[]).find((f) => f === d.name) ??
      FORMAT_NAMES[i % FORMAT_NAMES.length]!;
    const base: Rates = { ...BASE_RATES[format as FormatName] };
    for (const k of RATE_KINDS) {
      const v = d.rates?.[k];
      if (v !== undefined) base[k] = v;
    }
    return {
      name: d.name,
      overlap: d.overlap ?? DEFAULT_OVERLAP[d.name] ?? 0.5,
      format: format as FormatName,
      rates: scaleRates(base, PRESETS[corruption]),
      heavyRates:
        heavyRegion === null ? null : scaleRates(base, Math.max(PRESETS[corruption], PRESETS.heavy)),
    };
  });
  return {
    people: o.people,
    seed: o.seed,
    outDir: o.outDir,
    corruption,
    heavyRegion,
    outOfSpineRate: o.outOfSpineRate ?? DEFAULTS.outOfSpineRate,
    duplicateRate: o.duplicateRate ?? DEFAULTS.duplicateRate,
    shuffleWindow: o.shuffleWindow ?? DEFAULTS.shuffleWindow,
    datasets,
    attributes,
  };
}
