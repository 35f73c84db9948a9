import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET_QUALITY_REPORT_FORMAT } from '../../src/reports/datasetQuality.js';
import { PRIVACY_RISK_REPORT_FORMAT } from '../../src/reports/privacyRisk.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { randomFilters, refOf, writeEncodings } from '../reports/encodingStatsFixture.js';

let dir: string;
const p = (name: string) => join(dir, name);

beforeAll(() => {
  dir = tempDir('cohortlink-report-ds-');
  const fields = (missing: number) => ({
    postcode: { present: 100 - missing, missing, invalid: 0, invalidReasons: {} },
    sex: { present: 100, missing: 0, invalid: 0, invalidReasons: {} },
  });
  const filters = (seed: number) => randomFilters(100, 256, (i) => (i % 3 === 0 ? 0.8 : 0.1), seed);
  writeEncodings(p('a.ndjson'), filters(1), { filterBits: 256, summary: { fields: fields(40) } });
  writeEncodings(p('b.ndjson'), filters(2), { filterBits: 256, summary: { fields: fields(2) } });
  writeEncodings(p('c.ndjson'), filters(3), { filterBits: 256, summary: { fields: fields(1) } });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cohortlink report dataset', () => {
  it('writes the JSON model and the page, flagging the field the others rarely miss', () => {
    const r = runCli([
      'report',
      'dataset',
      '--encodings',
      p('a.ndjson'),
      '--compare',
      p('b.ndjson'),
      p('c.ndjson'),
      '--json',
      p('a.quality.json'),
      '--html',
      p('a.quality.html'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const model = JSON.parse(readFileSync(p('a.quality.json'), 'utf8'));
    expect(model.format).toBe(DATASET_QUALITY_REPORT_FORMAT);
    expect(model.dataset.name).toBe('a');
    expect(model.comparison.others.map((o: { name: string }) => o.name)).toEqual(['b', 'c']);
    expect(model.flags).toEqual([expect.objectContaining({ kind: 'missing', field: 'postcode' })]);
    const html = readFileSync(p('a.quality.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('postcode is missing in 40.0% of records');
    expect(r.stderr).toContain('1 flag(s) for a');
    expect(r.stderr + r.stdout).not.toContain(refOf(0));
  });

  it('refuses to run without an output, or with two files of the same name', () => {
    const none = runCli(['report', 'dataset', '--encodings', p('a.ndjson')]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('CL_USAGE');
    const twice = runCli([
      'report',
      'dataset',
      '--encodings',
      p('a.ndjson'),
      '--compare',
      p('a.ndjson'),
      '--json',
      p('x.json'),
    ]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/given twice/);
    expect(existsSync(p('x.json'))).toBe(false);
  });
});

describe('cohortlink report privacy', () => {
  it('writes the JSON model and the page for a project', () => {
    const r = runCli([
      'report',
      'privacy',
      '--encodings',
      p('a.ndjson'),
      p('b.ndjson'),
      '--project-name',
      'trial 7',
      '--json',
      p('privacy.json'),
      '--html',
      p('privacy.html'),
      '--no-attack',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const model = JSON.parse(readFileSync(p('privacy.json'), 'utf8'));
    expect(model.format).toBe(PRIVACY_RISK_REPORT_FORMAT);
    expect(model.project).toBe('trial 7');
    expect(model.datasets.map((d: { name: string }) => d.name)).toEqual(['a', 'b']);
    // Without the simulated attack the rules of thumb decide: the fixtures set a third of the
    // positions in 80% of filters, so bit usage is uneven.
    expect(model.simulatedAttack).toBeUndefined();
    expect(model.level).toBe('high');
    expect(r.stderr).toContain('overall privacy risk high');
    expect(readFileSync(p('privacy.html'), 'utf8')).toContain('Privacy-risk report');

    // By default the attack runs and decides; these filters hold no names, so it finds none and
    // uneven bit usage is only an indicator.
    const attacked = runCli([
      'report',
      'privacy',
      '--encodings',
      p('a.ndjson'),
      p('b.ndjson'),
      '--json',
      p('privacy-attack.json'),
    ]);
    expect(attacked.status, attacked.stderr).toBe(0);
    const withAttack = JSON.parse(readFileSync(p('privacy-attack.json'), 'utf8'));
    expect(withAttack.findings[0].id).toBe('simulated-attack');
    expect(withAttack.findings.find((f: { id: string }) => f.id === 'bit-usage').indicative).toBe(true);
    expect(withAttack.level).not.toBe('high');
  });

  it('fails on a malformed file naming its line, and writes neither output', () => {
    const lines = readFileSync(p('b.ndjson'), 'utf8').split('\n');
    lines[5] = '{"ref":"zz","clk":42}';
    writeFileSync(p('bad.ndjson'), lines.join('\n'));
    const r = runCli([
      'report',
      'privacy',
      '--encodings',
      p('a.ndjson'),
      p('bad.ndjson'),
      '--json',
      p('bad.json'),
      '--html',
      p('bad.html'),
    ]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/CL_NDJSON_MALFORMED: .*bad\.ndjson line 6/);
    expect(existsSync(p('bad.json'))).toBe(false);
    expect(existsSync(p('bad.html'))).toBe(false);
  });

  it('leaves neither file when one of them cannot be written', () => {
    const r = runCli([
      'report',
      'privacy',
      '--encodings',
      p('a.ndjson'),
      '--json',
      p('ok.json'),
      '--html',
      join(dir, 'no-such-dir', 'x.html'),
    ]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('CL_OUTPUT_UNWRITABLE');
    expect(existsSync(p('ok.json'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('ok.json'))).toEqual([]);
  });
});
