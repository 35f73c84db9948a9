/**
 * The privacy report's verdict follows the simulated attack (issue 12): on unhardened encodings
 * of a generated population the attack names most records and the report says high; on the same
 * people XOR-folded it names none and the attack's finding is low. The rules of thumb are then
 * indicators, shown but not counted. Encoded with the CLI, as a data holder would.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generatorFrequencies } from '../../src/reports/attacks/publicFrequencies.js';
import { buildPrivacyRiskReport } from '../../src/reports/privacyRisk.js';
import { renderPrivacyRiskHtml } from '../../src/reports/privacyRiskHtml.js';
import { runCli, tempDir } from '../helpers/cli.js';

let dir: string;
const frequencies = generatorFrequencies(50_000, 303);

function encodeWith(filter: object, name: string): string {
  const schema = { ...JSON.parse(runCli(['schema', 'show', 'uk']).stdout), filter };
  const schemaFile = join(dir, `${name}.schema.json`);
  writeFileSync(schemaFile, JSON.stringify(schema));
  const out = join(dir, `${name}.ndjson`);
  const r = runCli([
    'encode',
    '--schema',
    schemaFile,
    '--secret-file',
    join(dir, 'secret.txt'),
    '--input',
    join(dir, 'spine.csv'),
    '--output',
    out,
    '--workers',
    '0',
  ]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

beforeAll(() => {
  dir = tempDir('cohortlink-privacy-attack-');
  expect(runCli(['generate', '--people', '6000', '--seed', '101', '--out', dir]).status).toBe(0);
  writeFileSync(join(dir, 'secret.txt'), 'privacy attack test secret\n');
}, 60_000);

describe('privacy report with a simulated attack', () => {
  it('rates unhardened encodings high on the attack’s measured rate', async () => {
    const path = encodeWith({ bits: 1024, hash: 'blake2s' }, 'plain');
    const r = await buildPrivacyRiskReport({ name: 'p' }, [{ name: 'spine', path }], {
      attack: { frequencies },
    });
    const attack = r.simulatedAttack!.datasets[0]!;
    const first = attack.fields.find((f) => f.field === 'first name')!;
    expect(attack.recordsAttacked).toBe(6000);
    expect(first.assignedShare).toBeGreaterThan(first.baselineRate + 0.3);
    expect(r.findings[0]).toMatchObject({ id: 'simulated-attack', level: 'high' });
    expect(r.level).toBe('high');
    expect(r.findings.find((f) => f.id === 'bit-usage')!.indicative).toBe(true);
    const html = renderPrivacyRiskHtml(r);
    expect(html).toContain('Simulated attack');
    expect(html).toContain('indicator, not counted');
  }, 60_000);

  it('rates the same people XOR-folded low on the attack, whatever the rules of thumb say', async () => {
    const path = encodeWith({ bits: 1024, hash: 'blake2s', xorFolds: 1 }, 'folded');
    const r = await buildPrivacyRiskReport({ name: 'p' }, [{ name: 'spine', path }], {
      attack: { frequencies },
    });
    for (const f of r.simulatedAttack!.datasets[0]!.fields)
      expect(f.assignedShare).toBeLessThanOrEqual(f.baselineRate + 0.01);
    expect(r.findings[0]).toMatchObject({ id: 'simulated-attack', level: 'low' });
    // Nothing else counts against a single dataset with no duplicates: the verdict is the attack's.
    expect(r.level).toBe('low');
    expect(JSON.parse(readFileSync(path, 'utf8').split('\n', 1)[0]!).hardening.xorFolds).toBe(1);
  }, 60_000);
});
