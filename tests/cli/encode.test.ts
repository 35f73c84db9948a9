import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { headerLine, recordLine, summaryLine } from '../../src/encoding/ndjson.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { CLKHASH_VECTORS, HAS_CLKHASH_VECTORS } from '../helpers/paths.js';

const SECRET = 'correct horse battery staple for cli tests';
const HEADER = 'person_ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode';
const ROWS = [
  "p1,9434765919,Zoë,O'Brien,1970-03-12,F,SW1A 1AA",
  'p2,943 476 5918,Ann,Lee,31/02/1980,Female,ls6 2ab',
  'p3,,"Mary Ann","Smith-Jones",19651109,M,',
  'p4,4010232137,Bob,Taylor,2001-07-04,1,M1 1AE',
];

let dir: string;
let secretFile: string;
beforeAll(() => {
  dir = tempDir();
  secretFile = join(dir, 'secret.txt');
  writeFileSync(secretFile, `${SECRET}\n`);
});

function csv(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
}

/** `cohortlink encode --schema uk` with the test secret, plus any extra arguments. */
function encodeUk(input: string, output: string, ...extra: string[]) {
  return runCli([
    'encode',
    '--schema',
    'uk',
    '--secret-file',
    secretFile,
    '--input',
    input,
    '--output',
    output,
    ...extra,
  ]);
}

function readNdjson(path: string) {
  const lines = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  return {
    header: headerLine.parse(lines[0]),
    records: lines.slice(1, -1).map((l) => recordLine.parse(l)),
    summary: summaryLine.parse(lines.at(-1)),
  };
}

describe('cohortlink encode (CLI)', () => {
  it('encodes a CSV with the UK schema and accounts for every row', () => {
    const input = csv('ok.csv', [HEADER, ...ROWS]);
    const output = join(dir, 'ok.ndjson');
    const r = encodeUk(input, output, '--workers', '2');
    expect(r.stderr).toContain('encoded 4 of 4 rows');
    expect(r.status).toBe(0);
    const { header, records, summary } = readNdjson(output);
    expect(header.refColumn).toBe('person_ref');
    expect(header.filterBits).toBe(1024);
    // The built-in default is hardened: hashed at 2048 bits, folded once to 1024.
    expect(header.hardening).toEqual({ balance: false, salted: false, bitFlip: 0, xorFolds: 1 });
    expect(records.map((x) => x.ref)).toEqual(['p1', 'p2', 'p3', 'p4']);
    for (const rec of records) expect(Buffer.from(rec.clk, 'base64').length).toBe(128);
    expect(summary).toMatchObject({ rows: 4, encoded: 4, rejected: 0 });
    expect(summary.fields.nhs_number).toMatchObject({ present: 2, missing: 1, invalid: 1 });
    expect(summary.fields.date_of_birth).toMatchObject({
      present: 3,
      invalid: 1,
      invalidReasons: { date_impossible: 1 },
    });
    // Neither the secret nor any identifier leaves in the output or the terminal.
    const everything = readFileSync(output, 'utf8') + r.stdout + r.stderr;
    for (const secretOrId of [SECRET, '9434765919', 'Zoë', 'Smith-Jones', 'SW1A'])
      expect(everything).not.toContain(secretOrId);
  });

  it('accepts --schema uk-unhardened: same records, unfolded filters, other fingerprint', () => {
    const input = csv('unhardened.csv', [HEADER, ...ROWS]);
    const [folded, plain] = [join(dir, 'folded.ndjson'), join(dir, 'unhardened.ndjson')];
    expect(encodeUk(input, folded).status).toBe(0);
    const r = runCli([
      'encode',
      '--schema',
      'uk-unhardened',
      '--secret-file',
      secretFile,
      '--input',
      input,
      '--output',
      plain,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const [a, b] = [readNdjson(folded), readNdjson(plain)];
    expect(b.header.hardening.xorFolds).toBe(0);
    expect(b.header.filterBits).toBe(1024);
    expect(b.header.keyFingerprint).toBe(a.header.keyFingerprint);
    expect(b.header.schemaFingerprint).not.toBe(a.header.schemaFingerprint);
    expect(b.records.map((x) => x.ref)).toEqual(a.records.map((x) => x.ref));
    expect(b.records.map((x) => x.blocks)).toEqual(a.records.map((x) => x.blocks));
    for (const [i, rec] of b.records.entries()) {
      expect(Buffer.from(rec.clk, 'base64').length).toBe(128);
      expect(rec.clk).not.toBe(a.records[i]!.clk);
    }
  });

  it('gives the same output with 0, 1 and 2 workers and small chunks', () => {
    const many = Array.from(
      { length: 300 },
      (_, i) =>
        `q${i},,Name${String.fromCharCode(97 + (i % 26))},Family${i % 17},1950-01-${String((i % 28) + 1).padStart(2, '0')},M,LS6 2AB`,
    );
    const input = csv('many.csv', [HEADER, ...many]);
    const outs = ['0', '1', '2'].map((w) => {
      const output = join(dir, `many-${w}.ndjson`);
      // 1 KiB chunks: about 20 tasks, so the pool really runs (a one-chunk file is encoded in-process).
      const r = encodeUk(input, output, '--workers', w, '--chunk-kib', '1');
      expect(r.status).toBe(0);
      return readNdjson(output).records;
    });
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[2]).toEqual(outs[0]);
    expect(outs[0]!.length).toBe(300);
  });

  it('escapes references that need it, and keeps non-ASCII ones intact', () => {
    const input = csv('refs.csv', [HEADER, `"p""1,x",${ROWS[0]!.slice(3)}`, `réf-2,${ROWS[3]!.slice(3)}`]);
    const output = join(dir, 'refs.ndjson');
    expect(encodeUk(input, output).status).toBe(0);
    expect(readNdjson(output).records.map((x) => x.ref)).toEqual(['p"1,x', 'réf-2']);
  });

  it('reads the secret from an environment variable', () => {
    const input = csv('env.csv', [HEADER, ROWS[0]!]);
    const a = join(dir, 'env-a.ndjson');
    const b = join(dir, 'env-b.ndjson');
    expect(
      runCli(['encode', '--schema', 'uk', '--secret-env', 'CL_SECRET', '--input', input, '--output', a], {
        env: { CL_SECRET: SECRET },
      }).status,
    ).toBe(0);
    expect(encodeUk(input, b).status).toBe(0);
    expect(readNdjson(a).records).toEqual(readNdjson(b).records);
    expect(readNdjson(a).header.keyFingerprint).toBe(readNdjson(b).header.keyFingerprint);
  });

  it('refuses a missing secret, naming the options', () => {
    const input = csv('nosecret.csv', [HEADER, ROWS[0]!]);
    const r = runCli(['encode', '--schema', 'uk', '--input', input, '--output', join(dir, 'x.ndjson')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('CL_SECRET_MISSING');
    expect(r.stderr).toContain('--secret-file');
  });

  it('names the columns the schema needs but the CSV lacks', () => {
    const input = csv('cols.csv', [
      'person_ref,nhs_number,forename,family_name,date_of_birth,sex',
      'p1,9434765919,Ann,Lee,1970-01-01,F',
    ]);
    const out = join(dir, 'cols.ndjson');
    const r = encodeUk(input, out);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('CL_CSV_HEADER');
    expect(r.stderr).toContain('header.given_name');
    expect(r.stderr).toContain('header.postcode');
    expect(existsSync(out)).toBe(false);
  });

  it('rejects rows with the wrong number of fields, naming the row, and writes nothing by default', () => {
    const input = csv('bad.csv', [HEADER, ROWS[0]!, 'p9,1,2', ROWS[3]!]);
    const out = join(dir, 'bad.ndjson');
    const r = encodeUk(input, out);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('CL_ROWS_REJECTED');
    expect(r.stderr).toContain('row 2: column_count');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('with --max-rejects, writes the good rows and accounts for the rejected ones', () => {
    const input = csv('tolerate.csv', [HEADER, ROWS[0]!, 'p9,1,2', ROWS[0]!, ROWS[3]!]);
    const out = join(dir, 'tolerate.ndjson');
    const r = encodeUk(input, out, '--max-rejects', '5');
    expect(r.status).toBe(0);
    const { records, summary } = readNdjson(out);
    expect(records.map((x) => x.ref)).toEqual(['p1', 'p4']);
    expect(summary).toMatchObject({ rows: 4, encoded: 2, rejected: 2 });
    expect(summary.rejections).toEqual([
      { row: 2, reason: 'column_count: expected 7 fields, found 3' },
      { row: 3, reason: 'duplicate_ref' },
    ]);
  });

  it('rejects a reference holding a newline or another control character, naming the row', () => {
    const row = (ref: string) => `${ref}${ROWS[3]!.slice(ROWS[3]!.indexOf(','))}`;
    const input = csv('ctrl.csv', [HEADER, ROWS[0]!, row('"p\nx"'), row('p\u0007y'), ROWS[3]!]);
    const out = join(dir, 'ctrl.ndjson');
    const r = encodeUk(input, out, '--max-rejects', '5');
    expect(r.status, r.stderr).toBe(0);
    const { records, summary } = readNdjson(out);
    expect(records.map((x) => x.ref)).toEqual(['p1', 'p4']);
    expect(summary.rejections).toEqual([
      { row: 2, reason: 'ref_control_character' },
      { row: 3, reason: 'ref_control_character' },
    ]);
  });

  it('rejects a reference a spreadsheet would run as a formula, naming the row', () => {
    const row = (ref: string) => `${ref}${ROWS[3]!.slice(ROWS[3]!.indexOf(','))}`;
    const input = csv('formula.csv', [HEADER, row('"=HYPERLINK(""x"")"'), row('@A1'), row('p-1'), ROWS[0]!]);
    const out = join(dir, 'formula.ndjson');
    const r = encodeUk(input, out, '--max-rejects', '5');
    expect(r.status, r.stderr).toBe(0);
    const { records, summary } = readNdjson(out);
    // A minus inside a ref is fine; only the first character can start a formula.
    expect(records.map((x) => x.ref)).toEqual(['p-1', 'p1']);
    expect(summary.rejections).toEqual([
      { row: 1, reason: 'ref_formula_start' },
      { row: 2, reason: 'ref_formula_start' },
    ]);
    // The reason names the rule, never the value.
    expect(r.stderr).not.toContain('HYPERLINK');
  });

  it('stops on a broken quote with the line number and leaves no output', () => {
    const input = csv('quote.csv', [HEADER, ROWS[0]!, 'p5,,"Ann,Lee,1970-01-01,F,LS6 2AB', ROWS[3]!]);
    const out = join(dir, 'quote.ndjson');
    const r = encodeUk(input, out);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/CL_CSV_MALFORMED: line \d+/);
    expect(existsSync(out)).toBe(false);
  });

  it('reports an unreadable input file by path', () => {
    const r = runCli([
      'encode',
      '--schema',
      'uk',
      '--secret-file',
      secretFile,
      '--input',
      join(dir, 'nope.csv'),
      '--output',
      join(dir, 'n.ndjson'),
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CL_FILE_UNREADABLE');
    expect(r.stderr).toContain('nope.csv');
  });

  it('refuses a reference column that is itself an encoded identifier', () => {
    const input = csv('refid.csv', [HEADER, ROWS[0]!]);
    const r = encodeUk(input, join(dir, 'r.ndjson'), '--ref-column', 'nhs_number');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--ref-column');
  });

  // Needs clkhash's reference vectors, which stay in the shared folder (tests/helpers/paths.ts).
  it.skipIf(!HAS_CLKHASH_VECTORS)('encodes a clkhash schema bit-identically through the CLI', () => {
    const caseDir = join(CLKHASH_VECTORS, 'uk-clkhash-v3-b');
    const out = join(dir, 'clkhash.ndjson');
    const r = runCli([
      'encode',
      '--schema',
      join(caseDir, 'schema.json'),
      '--secret-file',
      join(caseDir, 'secret.txt'),
      '--input',
      join(caseDir, 'input.csv'),
      '--output',
      out,
    ]);
    expect(r.status).toBe(0);
    const expected = readFileSync(join(caseDir, 'expected.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[1]);
    expect(readNdjson(out).records.map((x) => x.clk)).toEqual(expected);
  });

  it('lists every schema problem with its JSON path', () => {
    const bad = join(dir, 'bad-schema.json');
    writeFileSync(
      bad,
      JSON.stringify({
        format: 'cohortlink-schema/1',
        filter: { bits: 1000 },
        fields: [{ column: 'a', type: 'nme', features: [] }],
      }),
    );
    const r = runCli(['schema', 'check', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('$.filter.bits');
    expect(r.stderr).toContain('$.fields[0].type');
  });

  it('has --help for every subcommand', () => {
    for (const cmd of [['encode'], ['schema'], ['schema', 'check']]) {
      const r = runCli([...cmd, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('Usage: cohortlink');
    }
  });
});
