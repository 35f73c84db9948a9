import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvParseRows } from 'd3-dsv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personIds, readPlainCsv, readTruth, schemaAwareFields } from '../../bench/attacks/graphData.js';
import { filterDiceMatrix, graphMatchingAttack, qgramDiceMatrix } from '../../bench/attacks/graphMatching.js';
import { generatePopulation } from '../../datasets/generate.js';
import { emptySummary } from '../../src/encoding/quality.js';
import { RecordEncoder } from '../../src/encoding/recordEncoder.js';
import { compileSchema, readSchemaJson } from '../../src/encoding/schema/load.js';

/** Encodes a generated CSV in process with the schema; filters in file order. */
function encodeCsv(schema: unknown, file: string): { refs: string[]; filters: Uint8Array[] } {
  const rows = csvParseRows(readFileSync(file, 'utf8'));
  const header = rows[0]!;
  const plan = compileSchema(schema, new TextEncoder().encode('graph attack test secret'));
  const enc = new RecordEncoder(plan, header);
  const q = emptySummary(plan.fields.map((f) => f.column));
  const data = rows.slice(1);
  return { refs: data.map((r) => r[0]!), filters: data.map((r) => enc.encode(r, q).clk) };
}

describe('graph-matching attack (issue 12)', () => {
  let dir: string;
  let spine: ReturnType<typeof readPlainCsv>;
  let encoded: { refs: string[]; filters: Uint8Array[] };
  let truth: Map<string, number>;
  const schema = readSchemaJson('uk-unhardened');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'graph-attack-test-'));
    await generatePopulation({
      people: 800,
      seed: 11,
      outDir: dir,
      datasets: [{ name: 'hospital' }],
      attributes: false,
    });
    spine = readPlainCsv(join(dir, 'spine.csv'));
    truth = readTruth(join(dir, 'truth.csv'));
    encoded = encodeCsv(schema, join(dir, 'spine.csv'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('computes Dice on filters (MSB-first bits) and on q-gram sets', () => {
    const a = new Uint8Array([0b1100_0000, 0]);
    const b = new Uint8Array([0b1000_0000, 0b0000_0001]);
    expect(filterDiceMatrix([a, b])[0]).toBeCloseTo((2 * 1) / 4);
    // "ann" → {" a", an, nn, "n "}; "anna" → {" a", an, nn, na, "a "}: 3 shared.
    expect(qgramDiceMatrix([['ann'], ['anna']], 2)[0]).toBeCloseTo((2 * 3) / 9);
  });

  it('re-identifies unhardened encodings far above chance, with precise confident matches', () => {
    const r = graphMatchingAttack({
      encoded: encoded.filters,
      plain: spine.values,
      q: 2,
      fields: schemaAwareFields(schema),
      seed: 1,
      truth: { encoded: personIds(encoded.refs, truth), plain: personIds(spine.refs, truth) },
    });
    expect(r.encodedRecords).toBe(800);
    expect(r.overlap).toBe(800);
    expect(r.chanceRate).toBeCloseTo(1 / 800);
    expect(r.reidentifiedRate).toBeGreaterThan(0.15); // > 100 × chance
    expect(r.confident).toBeGreaterThan(20);
    expect(r.precision!).toBeGreaterThan(0.7);
    // Plain (unweighted) q-gram Dice, the paper's setting: weaker, still well above chance.
    const plainDice = graphMatchingAttack({
      encoded: encoded.filters,
      plain: spine.values,
      q: 2,
      seed: 1,
      truth: { encoded: personIds(encoded.refs, truth), plain: personIds(spine.refs, truth) },
    });
    expect(plainDice.reidentifiedRate).toBeGreaterThan(0.02); // > 16 × chance
  });

  it('re-identifies at about chance when the filters carry nothing of the plaintext', () => {
    let s = 12345;
    const next = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s >>> 24;
    };
    // Random filters with about the density of real ones (a third of the bits set).
    const random = encoded.filters.map((f) => Uint8Array.from(f, () => next() & next()));
    const r = graphMatchingAttack({
      encoded: random,
      plain: spine.values,
      q: 2,
      fields: schemaAwareFields(schema),
      seed: 1,
      truth: { encoded: personIds(encoded.refs, truth), plain: personIds(spine.refs, truth) },
    });
    expect(r.matched).toBeGreaterThan(400); // one-to-one among each node’s 10 nearest candidates
    // Chance is 1 correct match in expectation; allow a little luck.
    expect(r.correct).toBeLessThanOrEqual(5);
    expect(r.reidentifiedRate).toBeLessThan(0.01);
  });

  it('is deterministic for a seed and samples beyond maxRecords', () => {
    const opts = {
      encoded: encoded.filters,
      plain: spine.values,
      q: 2,
      fields: schemaAwareFields(schema),
      maxRecords: 300,
      seed: 7,
      truth: { encoded: personIds(encoded.refs, truth), plain: personIds(spine.refs, truth) },
    };
    const a = graphMatchingAttack(opts);
    const b = graphMatchingAttack(opts);
    expect(a.encodedRecords).toBe(300);
    expect(a.plainRecords).toBe(300);
    expect(a.matches).toEqual(b.matches);
    expect(a.correct).toBe(b.correct);
  });
});
