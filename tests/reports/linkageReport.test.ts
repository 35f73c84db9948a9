import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFloorScores } from '../../src/reports/floorScores.js';
import { renderLinkageReportHtml } from '../../src/reports/linkageHtml.js';
import { buildLinkageReport, type LinkageReport } from '../../src/reports/linkageReport.js';
import { parseRunSummary } from '../../src/reports/runSummarySchema.js';
import { readCsv } from '../datasets/helpers.js';
import { encodeUk, runCli, tempDir } from '../helpers/cli.js';

let dir: string;
let out: string;
// biome-ignore lint/suspicious/noExplicitAny: the summary is checked field by field against the report
let summary: any;
let report: LinkageReport;
let reportJson: string;
let html: string;
let floorRows: string[][];
/** `cohortlink evaluate --json` of the same links (and floor links) against the same truth. */
// biome-ignore lint/suspicious/noExplicitAny: compared field by field
let evaluated: any;

/** Every reference, linkage key and encoding the run saw: none may appear in a report. */
let secrets: string[];

beforeAll(() => {
  dir = tempDir('cohortlink-report-');
  out = join(dir, 'out');
  writeFileSync(join(dir, 'secret.txt'), 'report test secret\n');
  const gen = runCli(['generate', '--people', '800', '--seed', '5', '--out', dir]);
  expect(gen.status, gen.stderr).toBe(0);
  for (const name of ['spine', 'hospital', 'registry']) {
    encodeUk(join(dir, `${name}.csv`), join(dir, `${name}.ndjson`), join(dir, 'secret.txt'));
  }
  const l = runCli([
    'link',
    '--left',
    join(dir, 'hospital.ndjson'),
    '--right',
    join(dir, 'spine.ndjson'),
    '--mode',
    'many-to-one',
    '--output',
    join(out, 'links.csv'),
    '--scores',
    join(out, 'floor.csv'),
    '--truth',
    join(dir, 'truth.csv'),
    '--workers',
    '0',
  ]);
  expect(l.status, l.stderr).toBe(0);
  const r = runCli([
    'report',
    'run',
    '--summary',
    join(out, 'links.summary.json'),
    '--scores',
    join(out, 'floor.csv'),
    '--json',
    join(out, 'report.json'),
    '--html',
    join(out, 'report.html'),
  ]);
  expect(r.status, r.stderr).toBe(0);
  const ev = runCli([
    'evaluate',
    '--links',
    join(out, 'links.csv'),
    '--truth',
    join(dir, 'truth.csv'),
    '--scores',
    join(out, 'floor.csv'),
    '--json',
  ]);
  expect(ev.status, ev.stderr).toBe(0);
  evaluated = JSON.parse(ev.stdout);
  summary = JSON.parse(readFileSync(join(out, 'links.summary.json'), 'utf8'));
  reportJson = readFileSync(join(out, 'report.json'), 'utf8');
  report = JSON.parse(reportJson);
  html = readFileSync(join(out, 'report.html'), 'utf8');
  floorRows = readCsv(join(out, 'floor.csv')).rows;

  const refs = floorRows.flatMap(([a, b]) => [a!, b!]);
  const keys = ['spine', 'hospital'].flatMap((d) =>
    readCsv(join(out, `${d}.keys.csv`)).rows.map(([, key]) => key!),
  );
  const clks = readFileSync(join(dir, 'hospital.ndjson'), 'utf8')
    .split('\n')
    .flatMap((line) => /"clk":"([^"]+)"/.exec(line)?.[1] ?? [])
    .slice(0, 200);
  secrets = [...refs, ...keys, ...clks];
}, 180_000);

describe('cohortlink report run (linkage quality)', () => {
  it('carries the counts of the run summary', () => {
    const p = summary.pairs[0];
    expect(report.format).toBe('cohortlink-linkage-report/1');
    expect(report.counts.candidatePairs).toBe(p.candidatePairs);
    expect(report.counts.comparisons).toBe(p.comparisons);
    expect(report.counts.links).toBe(p.links);
    expect(report.counts.linksAtFloor).toBe(p.linksAtFloor);
    expect(report.counts.people).toBe(summary.people);
    expect(report.counts.unlinked).toEqual([
      { dataset: 'hospital', records: p.leftUnlinked },
      { dataset: 'spine', records: p.rightUnlinked },
    ]);
    expect(report.inputs.map((d) => [d.name, d.records])).toEqual(
      summary.inputs.map((d: { name: string; records: number }) => [d.name, d.records]),
    );
    expect(report.threshold.value).toBe(summary.threshold.threshold);
    expect(report.threshold.estimated.precision).toBe(summary.threshold.estimatedPrecision);
    expect(report.blocking[0]!.reductionRatio).toBe(p.reductionRatio);
    expect(report.blocking[0]!.passes[0]!.sizeHistogram).toEqual(p.blocking.passes[0].sizeHistogram);
    // The real figures are the run's own evaluation, unchanged.
    expect(report.evaluation).toEqual(
      summary.evaluation.map(({ threshold: _, ...e }: Record<string, unknown>) => e),
    );
    expect(report.evaluation![0]!.precision).toBeGreaterThan(0.95);
  });

  it("shows the estimates' 95 % intervals beside them, each holding its estimate, with what recall is of", () => {
    const t = summary.threshold;
    expect(report.threshold.intervals).toEqual({
      precision: t.precisionInterval,
      recall: t.recallInterval,
      f1: t.f1Interval,
    });
    expect(['runner-ups', 'all-links']).toContain(report.threshold.basis);
    expect(report.threshold.basis).toBe(t.basis);
    // The page: "precision <strong>p</strong> (95 % interval lo–hi), recall <strong>r</strong> (lo–hi), F1 f (lo–hi)".
    const m =
      /precision <strong>(\d\.\d{4})<\/strong> \(95 % interval (\d\.\d{4})–(\d\.\d{4})\), recall <strong>(\d\.\d{4})<\/strong> \((\d\.\d{4})–(\d\.\d{4})\), F1 (\d\.\d{4}) \((\d\.\d{4})–(\d\.\d{4})\)/.exec(
        html,
      );
    expect(m, 'the estimates paragraph with intervals').not.toBeNull();
    const [p, pLow, pHigh, r, rLow, rHigh, f, fLow, fHigh] = m!.slice(1).map(Number) as number[];
    for (const [x, low, high] of [
      [p, pLow, pHigh],
      [r, rLow, rHigh],
      [f, fLow, fHigh],
    ] as [number, number, number][]) {
      expect(low).toBeLessThanOrEqual(x);
      expect(x).toBeLessThanOrEqual(high);
    }
    expect([p, pLow, pHigh]).toEqual(
      [t.estimatedPrecision, t.precisionInterval.low, t.precisionInterval.high].map(
        (x: number) => +x.toFixed(4),
      ),
    );
    expect([r, rLow, rHigh]).toEqual(
      [t.estimatedRecall, t.recallInterval.low, t.recallInterval.high].map((x: number) => +x.toFixed(4)),
    );
    expect(html).toContain('Each interval is a 95 % interval');
    expect(html).toContain('It widens when few links inform the estimate.');
    expect(html).toContain(
      `Estimated recall is relative to the matches this run could see: true pairs that blocking proposed and that score at or above the floor (${summary.parameters.floor.toFixed(3)})`,
    );
    // The around table: one row per estimate, every cell "estimate (low–high)" holding its estimate.
    const table = html.slice(html.indexOf('<caption>Model estimates around the threshold</caption>'));
    const body = table.slice(0, table.indexOf('</table>'));
    const rows = [...body.matchAll(/<tr><th scope="row">([\d.]+)<\/th>(.*?)<\/tr>/g)];
    expect(rows).toHaveLength(t.around.length);
    expect(t.around.length).toBeGreaterThanOrEqual(3);
    rows.forEach((row, k) => {
      const a = t.around[k];
      expect(Number(row[1])).toBe(+a.threshold.toFixed(3));
      const cells = [...row[2]!.matchAll(/(\d\.\d{4}) \((\d\.\d{4})–(\d\.\d{4})\)/g)].map((c) =>
        c.slice(1).map(Number),
      );
      expect(cells).toHaveLength(3);
      for (const [x, low, high] of cells as [number, number, number][]) {
        expect(low).toBeLessThanOrEqual(x);
        expect(x).toBeLessThanOrEqual(high);
      }
      expect(cells[0]).toEqual(
        [a.precision, a.precisionInterval.low, a.precisionInterval.high].map((x: number) => +x.toFixed(4)),
      );
      expect(cells[1]).toEqual(
        [a.recall, a.recallInterval.low, a.recallInterval.high].map((x: number) => +x.toFixed(4)),
      );
    });
    // The report JSON carries the around[] intervals as the summary has them.
    expect(report.threshold.around).toEqual(t.around);
    // A many-to-one run re-queries nothing: no re-query rows.
    expect(summary.pairs[0].requery).toBeNull();
    expect(report.blocking[0]!.requery).toBeNull();
    expect(html).not.toContain('re-queried');
  });

  it('warns when the estimates rest on every link (too few confident ones)', () => {
    expect(html).not.toContain('These estimates rest on few links');
    const rough = structuredClone(summary);
    rough.threshold.basis = 'all-links';
    const page = renderLinkageReportHtml(buildLinkageReport({ summary: rough, summarySource: 'rough.json' }));
    expect(page).toContain(
      '<p class="warn">⚠ These estimates rest on few links: too few links scored clearly above every non-match',
    );
    expect(page).toContain('the intervals show how rough they are');
  });

  it("keyed blocking: counts each side's records that share a block with no record of the other, in the CLI and the page", () => {
    const o = join(dir, 'keyed');
    const l = runCli([
      'link',
      '--left',
      join(dir, 'hospital.ndjson'),
      '--right',
      join(dir, 'spine.ndjson'),
      '--blocking',
      'keys',
      '--output',
      join(o, 'links.csv'),
      '--workers',
      '0',
    ]);
    expect(l.status, l.stderr).toBe(0);
    const written = JSON.parse(readFileSync(join(o, 'links.summary.json'), 'utf8')).pairs[0];
    const b = written.blocking;
    // One-to-one (the default mode) records its re-query of cut candidate lists.
    const q = written.requery;
    expect(q).toEqual({
      rounds: expect.any(Number),
      rows: expect.any(Number),
      pairsAdded: expect.any(Number),
      seconds: expect.any(Number),
    });
    expect(q.rows === 0).toBe(q.rounds === 0);
    // The spine holds people the hospital never saw: their keys are in no hospital record.
    expect(b.unblockedRight).toBeGreaterThan(0);
    expect(l.stderr).toContain(
      `${b.unblockedRight.toLocaleString('en-GB')} spine record(s) share a block with no hospital record in any pass`,
    );
    if (b.unblockedLeft > 0)
      expect(l.stderr).toContain(
        `${b.unblockedLeft.toLocaleString('en-GB')} hospital record(s) share a block with no spine record in any pass`,
      );
    const r = runCli([
      'report',
      'run',
      '--summary',
      join(o, 'links.summary.json'),
      '--html',
      join(o, 'r.html'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const page = readFileSync(join(o, 'r.html'), 'utf8');
    expect(page).toContain(
      `spine records sharing a block with no hospital record in any pass</th><td class="n">${b.unblockedRight.toLocaleString('en-GB')}</td>`,
    );
    expect(page).toContain('hospital records sharing a block with no spine record in any pass');
    expect(page).toContain(
      `hospital records re-queried (8 best candidates all taken, or link at the cut)</th><td class="n">${q.rows.toLocaleString('en-GB')}</td>`,
    );
    expect(page).toContain(
      `Candidate pairs added by scoring them again</th><td class="n">${q.pairsAdded.toLocaleString('en-GB')}</td>`,
    );
  });

  it('has the real precision and recall of cohortlink evaluate (issue 6: within 0.01), and its sweep as the curve', () => {
    const e = report.evaluation![0]!;
    expect(Math.abs(e.precision - evaluated.links.precision)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(e.recall - evaluated.links.recall)).toBeLessThanOrEqual(0.01);
    expect(e.links).toBe(evaluated.links.links);
    // evaluate's sweep starts at the lowest floor score; on the thresholds both have, they agree.
    const sweep = new Map<string, { precision: number; recall: number; links: number }>(
      evaluated.sweep.map((x: { threshold: number }) => [x.threshold.toFixed(2), x]),
    );
    let shared = 0;
    for (const p of e.curve!) {
      const q = sweep.get(p.threshold.toFixed(2));
      if (q === undefined) continue;
      shared++;
      expect([p.links, p.precision, p.recall]).toEqual([q.links, q.precision, q.recall]);
    }
    expect(shared).toBeGreaterThan(30);
  });

  it('draws the precision–recall curve from a naive count of the floor links against the truth', () => {
    const personOf = new Map(
      readCsv(join(dir, 'truth.csv')).rows.map(([person, dataset, ref]) => [`${dataset}:${ref}`, person!]),
    );
    const people = new Map<string, { h: number; s: number }>();
    for (const [key, person] of personOf) {
      const c = people.get(person) ?? { h: 0, s: 0 };
      if (key.startsWith('hospital:')) c.h++;
      if (key.startsWith('spine:')) c.s++;
      people.set(person, c);
    }
    const truePairs = [...people.values()].reduce((a, c) => a + c.h * c.s, 0);
    const rows = floorRows.map(([h, sp, score]) => ({
      score: Number(score),
      right: personOf.get(`hospital:${h}`) === personOf.get(`spine:${sp}`),
    }));
    const e = report.evaluation![0]!;
    expect(e.curve!.map((p) => p.threshold)).toEqual(Array.from({ length: 51 }, (_, k) => (50 + k) / 100));
    for (const p of e.curve!) {
      const kept = rows.filter((r) => r.score >= p.threshold);
      const tp = kept.filter((r) => r.right).length;
      expect(p.links).toBe(kept.length);
      expect(p.precision).toBeCloseTo(kept.length > 0 ? tp / kept.length : 1, 12);
      expect(p.recall).toBeCloseTo(tp / truePairs, 12);
    }
    const best = Math.max(...e.curve!.map((p) => p.f1));
    expect(e.bestF1!.f1).toBe(best);
    expect(e.bestF1!.f1).toBeGreaterThanOrEqual(e.f1 - 0.01);
    expect(html).toContain('Real precision and recall by threshold');
    expect(html).toMatch(/<polyline class="line line-1"[^>]*><title>precision<\/title>/);
    expect(html).toMatch(/<polyline class="line line-2"[^>]*><title>recall<\/title>/);
    expect(html).toContain(`Best F1 in hindsight: <strong>${e.bestF1!.f1.toFixed(4)}</strong>`);
  });

  it('carries the conflicts of the run: records with near-equal best candidates per side', () => {
    const c = report.conflicts!;
    expect(c).toHaveLength(1);
    expect(c[0]).toEqual({
      left: 'hospital',
      right: 'spine',
      margin: 0.02,
      threshold: report.threshold.value,
      leftRecords: summary.pairs[0].conflicts.left,
      rightRecords: summary.pairs[0].conflicts.right,
    });
    // Many-to-one: every hospital record with a candidate at the threshold links to its best one.
    expect(c[0]!.leftRecords.recordsWithCandidates).toBe(report.counts.links);
    expect(c[0]!.leftRecords.linked).toBe(c[0]!.leftRecords.conflicted);
    for (const side of [c[0]!.leftRecords, c[0]!.rightRecords]) {
      expect(side.conflicted).toBeLessThanOrEqual(side.recordsWithCandidates);
      expect(side.linked).toBeLessThanOrEqual(side.conflicted);
    }
    expect(report.clusters).toBeNull();
    expect(html).toContain('>Conflicts and split clusters</h2>');
    expect(html).toContain('<caption>Records with several candidates close to the best</caption>');
    expect(html).toContain('within 0.02 of its best one');
  });

  it('loads a summary written before conflicts, clusters, curves, intervals and re-queries, and says what is missing', () => {
    const old = structuredClone(summary);
    delete old.clusters;
    for (const p of old.pairs) {
      delete p.conflicts;
      delete p.requery;
    }
    for (const e of old.evaluation) {
      delete e.curve;
      delete e.bestF1;
    }
    for (const x of [old.threshold, ...old.threshold.around]) {
      delete x.precisionInterval;
      delete x.recallInterval;
      delete x.f1Interval;
    }
    delete old.threshold.basis;
    for (const k of ['nullShift', 'nullSampleAboveFloor', 'estimatedMatchesAtMost'])
      delete old.threshold.model[k];
    expect(parseRunSummary(old, 'old.json').threshold.precisionInterval).toBeUndefined();
    const m = buildLinkageReport({ summary: old, summarySource: 'old.json' });
    expect(m.conflicts).toBeNull();
    expect(m.clusters).toBeNull();
    expect(m.evaluation![0]!.curve).toBeUndefined();
    expect(m.threshold.intervals).toBeNull();
    expect(m.threshold.basis).toBeNull();
    expect(m.blocking[0]!.requery).toBeNull();
    const page = renderLinkageReportHtml(m);
    expect(page).toContain('predates conflict counts');
    expect(page).toContain('predates precision–recall curves');
    expect(page).toContain('predates intervals of the estimates');
    expect(page).not.toContain('95 % interval');
    expect(page).toContain(
      `precision <strong>${summary.threshold.estimatedPrecision.toFixed(4)}</strong>, recall <strong>${summary.threshold.estimatedRecall.toFixed(4)}</strong>`,
    );
    // The around table still has a row per estimate, estimates alone.
    expect(page).toContain(
      `<td class="n">${summary.threshold.around[0].precision.toFixed(4)}</td><td class="n">${summary.threshold.around[0].recall.toFixed(4)}</td>`,
    );
    // A report model cached before these fields existed renders too.
    const { intervals: _i, basis: _b, ...cachedThreshold } = m.threshold;
    const cached = {
      ...m,
      threshold: cachedThreshold,
      blocking: m.blocking.map(({ requery: _r, ...b }) => b),
    } as LinkageReport;
    expect(renderLinkageReportHtml(cached)).toContain('predates intervals of the estimates');
  });

  it('the summary schema takes old and new summaries and refuses an interval whose low end exceeds its high end', () => {
    const parsed = parseRunSummary(summary, 's.json');
    expect(parsed.threshold.recallInterval).toEqual(summary.threshold.recallInterval);
    expect(parsed.threshold.around[0]!.f1Interval).toEqual(summary.threshold.around[0].f1Interval);
    expect(parsed.threshold.basis).toBe(summary.threshold.basis);
    const withRequery = structuredClone(summary);
    withRequery.pairs[0].requery = { rounds: 2, rows: 647, pairsAdded: 1292, seconds: 0.07 };
    expect(parseRunSummary(withRequery, 's.json').pairs[0]!.requery).toEqual(withRequery.pairs[0].requery);
    const refused = (edit: (s: typeof summary) => void, path: string) => {
      const bad = structuredClone(summary);
      edit(bad);
      expect(() => parseRunSummary(bad, 'bad.json')).toThrow(
        expect.objectContaining({
          code: 'CL_FILE_UNREADABLE',
          issues: [expect.objectContaining({ path })],
        }),
      );
    };
    refused((b) => {
      b.threshold.precisionInterval = { low: 0.99, high: 0.98 };
    }, '$.threshold.precisionInterval.low');
    refused((b) => {
      b.threshold.around[1].recallInterval = { low: 0.7, high: 0.6 };
    }, '$.threshold.around[1].recallInterval.low');
    refused((b) => {
      b.threshold.f1Interval = { low: 0.9, high: 1.2 };
    }, '$.threshold.f1Interval.high');
    refused((b) => {
      b.threshold.recallInterval = { low: 0.9 };
    }, '$.threshold.recallInterval.high');
    refused((b) => {
      b.pairs[0].requery = { rounds: 1, rows: -3, pairsAdded: 0, seconds: 0 };
    }, '$.pairs[0].requery.rows');
  });

  it('dedup: clusters and split clusters in the report; each true pair counted once', () => {
    const o = join(dir, 'dedup');
    const l = runCli([
      'link',
      '--input',
      join(dir, 'hospital.ndjson'),
      '--mode',
      'dedup',
      '--output',
      join(o, 'dups.csv'),
      '--truth',
      join(dir, 'truth.csv'),
      '--workers',
      '0',
    ]);
    expect(l.status, l.stderr).toBe(0);
    const r = runCli([
      'report',
      'run',
      '--summary',
      join(o, 'dups.summary.json'),
      '--json',
      join(o, 'r.json'),
      '--html',
      join(o, 'r.html'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const m: LinkageReport = JSON.parse(readFileSync(join(o, 'r.json'), 'utf8'));
    const s = JSON.parse(readFileSync(join(o, 'dups.summary.json'), 'utf8'));
    const { sizeCounts, ...stats } = s.clusters;
    expect(m.clusters).toMatchObject(stats);
    expect(m.clusters!.sizes.reduce((a, x) => a + x.clusters, 0)).toBe(stats.clusters);
    expect(m.clusters!.sizes.reduce((a, x) => a + x.size * x.clusters, 0)).toBe(m.inputs[0]!.records);
    expect(m.clusters!.sizes).toEqual(
      (sizeCounts as number[]).flatMap((n, size) => (size > 0 && n > 0 ? [{ size, clusters: n }] : [])),
    );
    expect(m.conflicts).toEqual([]);
    // Unordered pairs of hospital records of one person, and the links that are one of them.
    const personOf = new Map(
      readCsv(join(dir, 'truth.csv'))
        .rows.filter(([, d]) => d === 'hospital')
        .map(([p, , ref]) => [ref!, p!]),
    );
    const perPerson = new Map<string, number>();
    for (const p of personOf.values()) perPerson.set(p, (perPerson.get(p) ?? 0) + 1);
    const truePairs = [...perPerson.values()].reduce((a, n) => a + (n * (n - 1)) / 2, 0);
    const links = readCsv(join(o, 'dups.csv')).rows;
    const tp = links.filter(([a, b]) => personOf.get(a!) === personOf.get(b!)).length;
    const e = m.evaluation![0]!;
    expect(truePairs).toBeGreaterThan(3);
    expect(e.truePairs).toBe(truePairs);
    expect(e.truePositives).toBe(tp);
    expect(e.recall).toBeCloseTo(tp / truePairs, 12);
    const page = readFileSync(join(o, 'r.html'), 'utf8');
    expect(page).toContain('<caption>Clusters (people) and refused merges</caption>');
    expect(page).toContain('hospital records sharing a block with no other record in any pass');
    expect(page).not.toContain('sharing a block with no hospital record');
  });

  it('multi: unlinked records per dataset come from the final people, as the keys files show', () => {
    const o = join(dir, 'multi');
    const l = runCli([
      'link',
      ...['spine', 'hospital', 'registry'].flatMap((d) => ['--input', join(dir, `${d}.ndjson`)]),
      '--mode',
      'multi',
      '--output',
      join(o, 'links.csv'),
      '--workers',
      '0',
    ]);
    expect(l.status, l.stderr).toBe(0);
    const r = runCli([
      'report',
      'run',
      '--summary',
      join(o, 'links.summary.json'),
      '--json',
      join(o, 'r.json'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const m: LinkageReport = JSON.parse(readFileSync(join(o, 'r.json'), 'utf8'));
    // A record is unlinked when no other dataset's keys file holds its key.
    const keysOf = (d: string) => readCsv(join(o, `${d}.keys.csv`)).rows.map(([, key]) => key!);
    const names = ['spine', 'hospital', 'registry'];
    const expected = names.map((d) => {
      const elsewhere = new Set(names.filter((x) => x !== d).flatMap(keysOf));
      return { dataset: d, records: keysOf(d).filter((k) => !elsewhere.has(k)).length };
    });
    expect(m.counts.unlinked).toEqual(expected);
    // Per-pair counts would say otherwise: a spine record linked only to the registry is
    // unlinked in the spine × hospital pair.
    const s = JSON.parse(readFileSync(join(o, 'links.summary.json'), 'utf8'));
    const firstPairSpine = s.pairs.find((p: { left: string; right: string }) =>
      [p.left, p.right].includes('spine'),
    );
    const perPair =
      firstPairSpine.left === 'spine' ? firstPairSpine.leftUnlinked : firstPairSpine.rightUnlinked;
    expect(perPair).toBeGreaterThan(expected[0]!.records);
  });

  it('counts the floor links exactly: histogram total, links at the threshold, gained and lost', () => {
    const s = report.scores!;
    const scores = floorRows.map((r) => Number(r[2]));
    const t = report.threshold.value;
    expect(s.floorLinks).toBe(scores.length);
    expect(s.histogram.reduce((a, b) => a + b.count, 0)).toBe(scores.length);
    expect(s.histogram).toHaveLength(Math.round((1 - summary.parameters.floor) / 0.01));
    expect(s.linksAtThreshold).toBe(report.counts.links);
    expect(s.bands.slice(0, -1).reduce((a, b) => a + b.links, 0) + s.bands.at(-1)!.links).toBe(
      report.counts.links,
    );
    const at = (x: number) => scores.filter((v) => v >= +x.toFixed(9)).length;
    const gained = at(t - 0.02) - at(t);
    const lost = at(t) - at(t + 0.02);
    expect(s.shifts.find((x) => x.shift === -0.02)!.change).toBe(gained);
    // −lost, written so that none lost is +0 (toBe tells −0 from +0).
    expect(s.shifts.find((x) => x.shift === 0.02)!.change).toBe(0 - lost || 0);
    expect(s.shifts.find((x) => x.shift === -0.05)!.change).toBe(at(t - 0.05) - at(t));
    expect(s.shifts.find((x) => x.shift === 0.05)!.change).toBe(at(t + 0.05) - at(t));
  });

  it('holds no record reference, linkage key or encoding', () => {
    expect(secrets.length).toBeGreaterThan(1000);
    for (const x of secrets) {
      expect(reportJson.includes(x), x).toBe(false);
      expect(html.includes(x), x).toBe(false);
    }
  });

  it('writes a self-contained page: no external reference, no script, SVG charts with titles', () => {
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(html).toContain('<svg');
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*><title id=/);
    expect(html).toContain('threshold ' + report.threshold.value.toFixed(3));
    expect(html).toContain('@media print');
    expect(html).toMatch(/<caption>Links per score band<\/caption>/);
  });

  it('link refuses dataset names that are not plain; the page escapes whatever a summary holds', () => {
    const o = join(dir, 'named');
    const l = runCli([
      'link',
      '--left',
      join(dir, 'hospital.ndjson'),
      '--right',
      join(dir, 'spine.ndjson'),
      '--names',
      'h<script>alert(1)</script>,spine',
      '--output',
      join(o, 'links.csv'),
    ]);
    expect(l.status).toBe(2);
    expect(l.stderr).toMatch(/dataset name/);
    // A summary edited by hand (or from elsewhere) still renders safely.
    const edited = JSON.parse(readFileSync(join(out, 'links.summary.json'), 'utf8'));
    edited.inputs[0].name = 'h<script>alert(1)</script>';
    edited.inputs[1].name = `spine "&'`;
    writeFileSync(join(dir, 'edited.summary.json'), JSON.stringify(edited));
    const r = runCli([
      'report',
      'run',
      '--summary',
      join(dir, 'edited.summary.json'),
      '--html',
      join(dir, 'e.html'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const page = readFileSync(join(dir, 'e.html'), 'utf8');
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('h&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('spine &quot;&amp;&#39;');
  });

  it('names the JSON path of a broken summary and the row of a broken floor file', () => {
    const bad = { ...summary, pairs: [{ ...summary.pairs[0], links: -1 }] };
    expect(() => buildLinkageReport({ summary: bad, summarySource: 'x.json' })).toThrow(
      expect.objectContaining({
        code: 'CL_FILE_UNREADABLE',
        issues: [expect.objectContaining({ path: '$.pairs[0].links' })],
      }),
    );
    const r = runCli([
      'report',
      'run',
      '--summary',
      join(out, 'missing.json'),
      '--json',
      join(out, 'x.json'),
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('missing.json');
    expect(() => parseFloorScores('left_ref,right_ref,score\nA1,B1,0.9\nA2,B2,high\n', 'f.csv')).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'f.csv row 3' })] }),
    );
  });

  it('renders without a floor file and escapes every name in the renderer', () => {
    const m = buildLinkageReport({ summary, summarySource: 's.json' });
    expect(m.scores).toBeNull();
    const named = {
      ...m,
      inputs: m.inputs.map((d) => ({ ...d, name: '<img src=x onerror=alert(1)>' })),
      blocking: m.blocking.map((b) => ({
        ...b,
        passes: b.passes.map((p) => ({ ...p, name: '</title><script>x</script>' })),
      })),
    };
    const page = renderLinkageReportHtml(named);
    expect(page).not.toMatch(/<img|<script/i);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
