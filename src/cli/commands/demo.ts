import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { generatePopulation } from '../../../datasets/generate.js';
import { encodeFile } from '../../encoding/encodeFile.js';
import { PRESETS } from '../../encoding/schema/presets.js';
import { readSecret } from '../../encoding/secret.js';
import { serveDemo } from '../demoService.js';
import { progressBar } from '../progress.js';
import { executeLink } from './link.js';
import { intOption } from './options.js';
import { reportRun } from './report.js';
import { reportDataset, reportPrivacy } from './reportDatasets.js';

/**
 * The README's main job: a synthetic population, a demo secret, every dataset encoded with the
 * UK schema (what data holders would each do), then each dataset linked to the spine with an
 * automatic threshold and evaluated against the generator's truth (what the service does).
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'The end-to-end demo: generate a population, encode every dataset with the UK schema, link each to the spine and evaluate',
    )
    .option('--dir <dir>', 'where to put the demo data', 'data/demo')
    .option('--people <n>', 'people in the spine', intOption('--people', 1, 10_000_000), 20_000)
    .option('--seed <n>', 'generator seed', intOption('--seed', 0, Number.MAX_SAFE_INTEGER), 2026)
    .option(
      '--serve',
      'then hand the encodings to the linkage service over HTTP, link them there and keep serving',
      false,
    )
    .option('--port <n>', 'port for --serve', intOption('--port', 0, 65_535), 8080)
    .action(async (o: { dir: string; people: number; seed: number; serve: boolean; port: number }) => {
      mkdirSync(o.dir, { recursive: true });
      const secretFile = join(o.dir, 'secret.key');
      if (!existsSync(secretFile))
        writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
      const secret = readSecret({ file: secretFile });
      const gen = await generatePopulation({ people: o.people, seed: o.seed, outDir: o.dir });
      process.stderr.write(
        `generated ${gen.files.map((f) => `${f.name} (${f.rows.toLocaleString('en-GB')} rows)`).join(', ')} in ${o.dir}\n`,
      );
      const encoded: string[] = [];
      // The data holders' datasets, and the National Data Opt-out register (written beside them).
      const toEncode = [
        ...gen.files.filter((x) => x.name !== 'truth' && x.file.endsWith('.csv')),
        ...gen.attributeFiles.filter((x) => x.name === 'optout'),
      ];
      for (const f of toEncode) {
        const output = join(o.dir, `${f.name}.ndjson`);
        const bar = progressBar(`encoding ${f.name}`, 1, 'rows');
        const r = await encodeFile({
          schema: PRESETS.uk,
          secret,
          input: f.file,
          output,
          workers: 2,
          onProgress: (p) => bar.update(p.bytesDone / p.bytesTotal, `${p.rows.toLocaleString('en-GB')} rows`),
        });
        bar.stop();
        encoded.push(output);
        const s = r.summary;
        const invalid = Object.entries(s.fields)
          .filter(([, q]) => q.invalid > 0)
          .map(([c, q]) => `${c} ${q.invalid}`)
          .join(', ');
        process.stderr.write(
          `encoded ${f.name}: ${s.encoded.toLocaleString('en-GB')} records (${s.encodedWithMissing.toLocaleString('en-GB')} with missing fields${invalid ? `; invalid values: ${invalid}` : ''}) -> ${output}\n`,
        );
      }
      // Each dataset's data quality against the others, and the project's privacy risk.
      const reports = join(o.dir, 'reports');
      mkdirSync(reports, { recursive: true });
      for (const path of encoded) {
        const name = basename(path, '.ndjson');
        await reportDataset({
          encodings: path,
          compare: encoded.filter((x) => x !== path),
          json: join(reports, `${name}-quality.json`),
          html: join(reports, `${name}-quality.html`),
        });
      }
      const privacy = await reportPrivacy({
        encodings: encoded,
        projectName: 'Demo linkage',
        json: join(reports, 'privacy.json'),
        html: join(reports, 'privacy.html'),
      });
      const header = JSON.parse(readFileSync(join(o.dir, 'spine.ndjson'), 'utf8').split('\n', 1)[0]!);
      // The service's side: every dataset linked to the spine, evaluated against the generator's truth.
      const linked: string[] = [];
      for (const f of gen.files.filter(
        (x) => x.file.endsWith('.csv') && !['truth', 'spine'].includes(x.name),
      )) {
        process.stderr.write(`\nlinking ${f.name} to the spine (many-to-one, automatic threshold)\n`);
        const { evaluation } = await executeLink({
          inputs: [{ path: join(o.dir, `${f.name}.ndjson`) }, { path: join(o.dir, 'spine.ndjson') }],
          options: { mode: 'many-to-one', threshold: 'auto', workers: 2 },
          output: join(o.dir, `${f.name}-links.csv`),
          scores: join(o.dir, `${f.name}-links-floor.csv`),
          keysDir: o.dir,
          truth: join(o.dir, 'truth.csv'),
        });
        // What a governance reviewer signs off: the run's linkage-quality report, with link
        // rates by age band, sex and region from both datasets' attributes.
        await reportRun({
          summary: join(o.dir, `${f.name}-links.summary.json`),
          scores: join(o.dir, `${f.name}-links-floor.csv`),
          keysDir: o.dir,
          attributes: [f.name, 'spine'].map((d) => `${d}=${join(o.dir, `${d}.attributes.ndjson`)}`),
          json: join(reports, `${f.name}-linkage.json`),
          html: join(reports, `${f.name}-linkage.html`),
        });
        const e = evaluation?.[0];
        if (e !== undefined)
          linked.push(
            `${f.name}: F1 ${e.f1.toFixed(4)} (precision ${e.precision.toFixed(4)}, recall ${e.recall.toFixed(4)})`,
          );
      }
      process.stdout.write(
        `demo ready in ${o.dir}: key fingerprint ${header.keyFingerprint}, schema fingerprint ${header.schemaFingerprint}\n` +
          `linked to the spine — ${linked.join('; ')}\nlinkage keys in ${o.dir}/*.keys.csv; links in ${o.dir}/*-links.csv; run summaries beside them\n` +
          `governance reports (open in any browser, offline) in ${reports}/: *-linkage.html per run, *-quality.html per dataset, privacy.html (overall privacy risk ${privacy.level})\n`,
      );
      if (o.serve) {
        const service = await serveDemo({
          dir: o.dir,
          port: o.port,
          datasets: toEncode.filter((x) => x.name !== 'spine').map((x) => x.name),
        });
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            service.close().then(resolve, resolve);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }
    });
}
