import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  ConfigFileSchema,
  DATASET_NAME,
  DEFAULTS,
  FORMAT_NAMES,
  PRESETS,
  RESERVED_NAMES,
  toIssues,
} from '../../../datasets/config.js';
import { type GenerateOptions, generatePopulation } from '../../../datasets/generate.js';
import { REGION_CODES } from '../../../datasets/places.js';
import { CohortlinkError, type Issue } from '../../errors.js';

interface GenerateFlags {
  people?: string;
  seed?: string;
  out: string;
  datasets?: string;
  overlap?: string;
  corruption?: string;
  heavyRegion?: string;
  config?: string;
}

/** Problems with the flags themselves; all are collected and reported together. */
function parseFlags(
  flags: GenerateFlags,
  issues: Issue[],
): { out: Partial<GenerateOptions>; overlaps?: number[] } {
  const out: Partial<GenerateOptions> = {};
  let overlaps: number[] | undefined;
  const wholeNumber = (flag: string, raw: string, min: number, max: number): number | undefined => {
    const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    issues.push({
      path: flag,
      message: `must be a whole number from ${min} to ${max.toLocaleString('en-GB')}, got '${raw}'`,
    });
    return undefined;
  };
  if (flags.people !== undefined) out.people = wholeNumber('--people', flags.people, 1, DEFAULTS.maxPeople);
  if (flags.seed !== undefined) out.seed = wholeNumber('--seed', flags.seed, 0, Number.MAX_SAFE_INTEGER);
  if (flags.datasets !== undefined) {
    const names = flags.datasets.split(',').map((s) => s.trim());
    const bad = names.find((n) => !DATASET_NAME.test(n));
    const reserved = names.find((n) => RESERVED_NAMES.has(n));
    if (bad !== undefined) {
      issues.push({
        path: '--datasets',
        message: `'${bad}' is not a dataset name (a-z, 0-9, _; at most 32)`,
      });
    } else if (reserved !== undefined) {
      issues.push({ path: '--datasets', message: `'${reserved}' is reserved for an output file` });
    } else if (new Set(names).size !== names.length) {
      issues.push({ path: '--datasets', message: 'names a dataset twice' });
    } else out.datasets = names.map((name) => ({ name }));
  }
  if (flags.overlap !== undefined) {
    const rates = flags.overlap.split(',').map((s) => s.trim());
    const bad = rates.find((r) => !/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(r));
    if (bad !== undefined)
      issues.push({ path: '--overlap', message: `each overlap must be a number from 0 to 1, got '${bad}'` });
    else overlaps = rates.map(Number);
  }
  if (flags.corruption !== undefined) {
    if (flags.corruption in PRESETS) out.corruption = flags.corruption as keyof typeof PRESETS;
    else
      issues.push({
        path: '--corruption',
        message: `must be one of ${Object.keys(PRESETS).join(', ')}, got '${flags.corruption}'`,
      });
  }
  if (flags.heavyRegion !== undefined) {
    const code = flags.heavyRegion.trim().toUpperCase();
    if ((REGION_CODES as readonly string[]).includes(code))
      out.heavyRegion = code as (typeof REGION_CODES)[number];
    else
      issues.push({
        path: '--heavy-region',
        message: `must be one of ${REGION_CODES.join(', ')}, got '${flags.heavyRegion}'`,
      });
  }
  return { out, overlaps };
}

async function readConfig(file: string): Promise<Partial<GenerateOptions>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CohortlinkError(
      'CL_FILE_UNREADABLE',
      `cannot read --config file ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CohortlinkError('CL_USAGE', `--config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = ConfigFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new CohortlinkError('CL_USAGE', `--config file ${file} is invalid`, toIssues(parsed.error));
  }
  return parsed.data;
}

/** Flags override the config file; --overlap applies by position to the datasets in force. */
export async function resolveGenerateOptions(flags: GenerateFlags): Promise<GenerateOptions> {
  const issues: Issue[] = [];
  const { out: cli, overlaps } = parseFlags(flags, issues);
  if (issues.length > 0) throw new CohortlinkError('CL_USAGE', 'invalid options for generate', issues);
  const file = flags.config === undefined ? {} : await readConfig(flags.config);
  const merged: GenerateOptions = { ...file, ...cli, outDir: flags.out } as GenerateOptions;
  if (merged.people === undefined)
    issues.push({ path: '--people', message: 'is required (or "people" in --config)' });
  if (merged.seed === undefined)
    issues.push({ path: '--seed', message: 'is required (or "seed" in --config)' });
  // --datasets keeps the config file's settings (format, rates) for datasets it names.
  const fileByName = new Map((file.datasets ?? []).map((d) => [d.name, d]));
  if (cli.datasets !== undefined) merged.datasets = cli.datasets.map((d) => fileByName.get(d.name) ?? d);
  if (overlaps !== undefined) {
    const datasets = merged.datasets ?? DEFAULTS.datasets.map((name) => ({ name }));
    if (overlaps.length === datasets.length)
      merged.datasets = datasets.map((d, i) => ({ ...d, overlap: overlaps[i] }));
    else {
      const names = datasets.map((d) => d.name).join(',');
      issues.push({
        path: '--overlap',
        message: `gives ${overlaps.length} rate(s) for ${datasets.length} dataset(s) (${names})`,
      });
    }
  }
  if (issues.length > 0) throw new CohortlinkError('CL_USAGE', 'invalid options for generate', issues);
  return merged;
}

const fmt = (n: number): string => n.toLocaleString('en-GB');

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description(
      'write a synthetic UK-like population (spine + derived datasets) with known truth and realistic errors',
    )
    .option('--people <n>', 'people in the spine (1 to 100,000,000)')
    .option('--seed <s>', 'random seed; the same options and seed give byte-identical files')
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .option(
      '--datasets <names>',
      `comma-separated derived datasets (default ${DEFAULTS.datasets.join(',')}); formats: ${FORMAT_NAMES.join(', ')}`,
    )
    .option('--overlap <rates>', 'comma-separated share of the spine in each dataset (default 0.8,0.5)')
    .option('--corruption <preset>', `corruption preset: ${Object.keys(PRESETS).join('|')} (default default)`)
    .option(
      '--heavy-region <code>',
      `apply the heavy preset to people of one NHS England region (${REGION_CODES.join(', ')})`,
    )
    .option('--config <file>', 'JSON file with any option, per-dataset overlap, format and corruption rates')
    .action(async (flags: GenerateFlags) => {
      const options = await resolveGenerateOptions(flags);
      const tty = process.stderr.isTTY === true;
      if (tty) {
        options.onProgress = (done, total) =>
          process.stderr.write(`\rgenerating ${fmt(done)} / ${fmt(total)} people`);
      }
      const summary = await generatePopulation(options);
      if (tty) process.stderr.write('\n');
      const lines = [...summary.files, ...summary.attributeFiles].map(
        (f) => `  ${f.file}  ${fmt(f.rows)} row${f.rows === 1 ? '' : 's'}`,
      );
      process.stdout.write(
        `generated ${fmt(summary.people)} spine people (+${fmt(summary.outOfSpinePeople)} outside the spine) ` +
          `in ${(summary.elapsedMs / 1000).toFixed(1)} s\n${lines.join('\n')}\n  ${summary.outDir}/corruption.json\n`,
      );
    });
}
