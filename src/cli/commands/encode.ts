import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { encodeFile } from '../../encoding/encodeFile.js';
import { readSchemaJson } from '../../encoding/schema/load.js';
import { PRESETS } from '../../encoding/schema/presets.js';
import { readSecret } from '../../encoding/secret.js';
import { progressBar } from '../progress.js';
import { intOption } from './options.js';

export function registerEncode(program: Command): void {
  program
    .command('encode')
    .description(
      'Encode identifiers from a CSV into keyed Bloom filters (CLKs) and keyed block keys, as NDJSON',
    )
    .requiredOption(
      '--schema <name|file>',
      `linkage schema: a built-in name (${Object.keys(PRESETS).join(', ')}) or a JSON file (cohortlink or clkhash v3 format)`,
    )
    .requiredOption('--input <file>', 'CSV with a header row')
    .requiredOption('--output <file>', 'NDJSON encodings to write (written atomically)')
    .option('--secret-file <file>', 'file holding the shared secret (one trailing newline ignored)')
    .option('--secret-env <var>', 'environment variable holding the shared secret')
    .option('--ref-column <name>', 'column with the opaque record reference (default: the first column)')
    .option(
      '--workers <n>',
      'worker threads (0 = encode on the main thread)',
      intOption('--workers', 0, 256),
      availableParallelism(),
    )
    .option(
      '--max-rejects <n>',
      'rows that may be rejected before the run fails',
      intOption('--max-rejects', 0, Number.MAX_SAFE_INTEGER),
      0,
    )
    .option(
      '--chunk-kib <n>',
      'CSV bytes per worker task, in KiB (tuning; default 1024)',
      intOption('--chunk-kib', 1, 65536),
    )
    .option('--trim', 'trim spaces around every CSV value (for ", "-separated files such as FEBRL)', false)
    .action(
      async (o: {
        schema: string;
        input: string;
        output: string;
        secretFile?: string;
        secretEnv?: string;
        refColumn?: string;
        workers: number;
        maxRejects: number;
        trim: boolean;
        chunkKib?: number;
      }) => {
        const secret = readSecret({
          ...(o.secretFile !== undefined ? { file: o.secretFile } : {}),
          ...(o.secretEnv !== undefined ? { env: o.secretEnv } : {}),
        });
        const schema = readSchemaJson(o.schema);
        let bar: ReturnType<typeof progressBar> | undefined;
        const started = performance.now();
        try {
          const r = await encodeFile({
            schema,
            secret,
            input: o.input,
            output: o.output,
            workers: o.workers,
            maxRejects: o.maxRejects,
            trim: o.trim,
            ...(o.chunkKib !== undefined ? { chunkBytes: o.chunkKib * 1024 } : {}),
            ...(o.refColumn !== undefined ? { refColumn: o.refColumn } : {}),
            onProgress: (p) => {
              bar ??= progressBar('encoding', p.bytesTotal, 'rows');
              bar.update(p.bytesDone, `${p.rows.toLocaleString('en-GB')} rows`);
            },
          });
          bar?.stop();
          const s = r.summary;
          const secs = (performance.now() - started) / 1000;
          for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
          process.stderr.write(
            `encoded ${s.encoded.toLocaleString('en-GB')} of ${s.rows.toLocaleString('en-GB')} rows ` +
              `(${s.encodedWithMissing.toLocaleString('en-GB')} with missing fields, ${s.rejected} rejected) ` +
              `in ${secs.toFixed(1)} s (${Math.round(s.rows / Math.max(secs, 1e-9)).toLocaleString('en-GB')} rows/s) -> ${o.output}\n`,
          );
          for (const [reason, n] of Object.entries(s.rejectReasons))
            process.stderr.write(`  rejected ${n}: ${reason}\n`);
          for (const [col, q] of Object.entries(s.fields)) {
            const reasons = Object.entries(q.invalidReasons)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ');
            process.stderr.write(
              `  ${col}: present ${q.present}, missing ${q.missing}, invalid ${q.invalid}${reasons ? ` (${reasons})` : ''}\n`,
            );
          }
        } finally {
          bar?.stop();
        }
      },
    );
}
