import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Bench } from 'tinybench';
import { encodeFile } from '../src/encoding/encodeFile.js';
import { emptySummary } from '../src/encoding/quality.js';
import { RecordEncoder } from '../src/encoding/recordEncoder.js';
import { compileSchema } from '../src/encoding/schema/load.js';
import { PRESETS } from '../src/encoding/schema/presets.js';

/**
 * Encoding throughput. Main-thread rows measure the encoder alone on rows already parsed;
 * pool rows measure `cohortlink encode` as a user runs it (read, parse, encode, write NDJSON).
 */

export interface EncodeBenchInput {
  /** datasets/tasks/ of the repository: its FEBRL4 task (a.csv, clkhash schema, secret). */
  readonly tasksDir: string;
  readonly spineCsv: string;
  readonly hospitalCsv: string;
  readonly spineRows: number;
  readonly tmpDir: string;
}

export interface ThroughputRow {
  readonly name: string;
  readonly records: number;
  readonly meanMs: number;
  readonly rme: number;
  readonly recordsPerSecond: number;
}

function readRows(path: string, trim: boolean, limit?: number): { header: string[]; rows: string[][] } {
  const all = parse(readFileSync(path), {
    trim,
    relax_column_count: true,
    ...(limit ? { to: limit + 1 } : {}),
  }) as string[][];
  return { header: all[0]!.map((h) => h.trim()), rows: all.slice(1) };
}

export async function benchEncoding(input: EncodeBenchInput): Promise<ThroughputRow[]> {
  const febrlTask = join(input.tasksDir, 'febrl4');
  const febrlSchema = JSON.parse(readFileSync(join(febrlTask, 'schema.json'), 'utf8'));
  const febrlSecret = new Uint8Array(readFileSync(join(febrlTask, 'secret.txt')));
  const febrl = readRows(join(febrlTask, 'a.csv'), true);
  const uk = readRows(input.hospitalCsv, false);
  const ukSecret = new TextEncoder().encode('benchmark secret, not for real data');

  const counts = new Map<string, number>();
  const bench = new Bench({ time: 2000, warmupTime: 500, iterations: 5 });
  const mainThread = (
    name: string,
    schema: unknown,
    secret: Uint8Array,
    data: { header: string[]; rows: string[][] },
  ) => {
    const plan = compileSchema(schema, secret);
    const encoder = new RecordEncoder(plan, data.header);
    const columns = plan.fields.map((f) => f.column);
    counts.set(name, data.rows.length);
    bench.add(name, () => {
      const q = emptySummary(columns);
      for (const row of data.rows) encoder.encode(row, q);
    });
  };
  mainThread('FEBRL4 task clkhash schema, main thread', febrlSchema, febrlSecret, febrl);
  mainThread('UK schema, main thread', PRESETS.uk, ukSecret, uk);
  await bench.run();

  const pool = new Bench({ time: 0, warmupTime: 0, warmupIterations: 1, iterations: 3 });
  for (const workers of [1, 2]) {
    const name = `UK schema, cohortlink encode, ${workers} worker${workers > 1 ? 's' : ''}`;
    counts.set(name, input.spineRows);
    pool.add(name, async () => {
      await encodeFile({
        schema: PRESETS.uk,
        secret: ukSecret,
        input: input.spineCsv,
        output: join(input.tmpDir, `spine-${workers}.ndjson`),
        workers,
      });
    });
  }
  await pool.run();

  return [...bench.tasks, ...pool.tasks].map((t) => {
    const r = t.result as { latency?: { mean: number; rme: number } } | undefined;
    const meanMs = r?.latency?.mean ?? Number.NaN;
    const records = counts.get(t.name)!;
    return {
      name: t.name,
      records,
      meanMs,
      rme: r?.latency?.rme ?? Number.NaN,
      recordsPerSecond: records / (meanMs / 1000),
    };
  });
}
