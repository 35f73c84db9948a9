import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFloorScores } from '../../src/reports/floorScores.js';
import { renderLinkageReportHtml } from '../../src/reports/linkageHtml.js';
import { buildLinkageReport, type LinkageReport } from '../../src/reports/linkageReport.js';
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

  it('loads a summary written before conflicts, clusters and curves, and says what is missing', () => {
    const old = structuredClone(summary);
    delete old.clusters;
    for (const p of old.pairs) delete p.conflicts;
    for (const e of old.evaluation) {
      delete e.curve;
      delete e.bestF1;
    }
    const m = buildLinkageReport({ summary: old, summarySource: 'old.json' });
    expect(m.conflicts).toBeNull();
    expect(m.clusters).toBeNull();
    expect(m.evaluation![0]!.curve).toBeUndefined();
    const page = renderLinkageReportHtml(m);
    expect(page).toContain('predates conflict counts');
    expect(page).toContain('predates precision–recall curves');
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
