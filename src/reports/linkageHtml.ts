/**
 * The linkage-quality report as one self-contained HTML page (frame: htmlPage.ts). Every
 * interpolated string goes through `esc`.
 */
import { esc, fixed, int, signed } from './escape.js';
import { reportPage, section, table } from './htmlPage.js';
import type { BlockingSection, ConflictSection, Interval, LinkageReport } from './linkageReport.js';
import { provenanceLine } from './provenance.js';
import type { SubgroupRow } from './subgroupStats.js';
import type { SubgroupDataset, SubgroupSection } from './subgroups.js';
import { barChart } from './svgChart.js';
import { lineChart } from './svgLineChart.js';

export function renderLinkageReportHtml(r: LinkageReport): string {
  const names = r.inputs.map((d) => d.name).join(' × ');
  const body = [
    `<header><h1>Linkage quality report</h1><p class="lede">${esc(names)} — ${esc(r.mode)} linkage, threshold ${esc(fixed(r.threshold.value, 3))}</p>${provenanceLine(r.generated, r.runId ? `run ${r.runId}` : undefined)}</header>`,
    '<main>',
    inputsSection(r),
    countsSection(r),
    thresholdSection(r),
    scoresSection(r),
    evaluationSection(r),
    conflictsSection(r),
    subgroupsSection(r),
    blockingSection(r),
    timingsSection(r),
    '</main>',
  ].join('\n');
  return reportPage(`Linkage quality report — ${names}`, body);
}

function inputsSection(r: LinkageReport): string {
  const inputs = table(
    'Datasets linked',
    [
      { head: 'Dataset' },
      { head: 'Records', numeric: true },
      { head: 'People', numeric: true },
      { head: 'Filter bits', numeric: true },
      { head: 'Schema fingerprint' },
      { head: 'Key fingerprint' },
      { head: 'Hardening' },
    ],
    r.inputs.map((d) => [
      esc(d.name),
      esc(int(d.records)),
      esc(int(d.people)),
      esc(int(d.filterBits)),
      `<code>${esc(d.schemaFingerprint)}</code>`,
      `<code>${esc(d.keyFingerprint)}</code>`,
      esc(
        Object.entries(d.hardening)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join(', ') || 'none',
      ),
    ]),
  );
  const p = r.parameters;
  const params = table(
    'Parameters',
    [{ head: 'Parameter' }, { head: 'Value' }],
    [
      ['Mode', esc(r.mode)],
      [
        'Threshold',
        `${esc(fixed(r.threshold.value, 3))} (${r.threshold.chosenAutomatically ? 'chosen from the score distribution' : 'fixed by the user'}; method ${esc(r.threshold.method)})`,
      ],
      ['Floor (lowest score kept)', esc(fixed(p.floor, 3))],
      ['Candidates kept per record', esc(int(p.topK))],
      ['Blocking requested', esc(p.blocking)],
      ['Largest block compared (pairs)', esc(int(p.maxBlockPairs))],
    ].map(([k, v]) => [esc(k), v!]),
  );
  return section('inputs', 'Inputs and parameters', `${inputs}\n${params}`);
}

function countsSection(r: LinkageReport): string {
  const c = r.counts;
  const rows: string[][] = [
    ['Candidate pairs', int(c.candidatePairs)],
    ['Comparisons', int(c.comparisons)],
    ['Links made', int(c.links)],
    ['Links at the floor', int(c.linksAtFloor)],
    ['People (linkage keys)', int(c.people)],
    ...c.unlinked.map((u) => [`Unlinked records in ${u.dataset}`, int(u.records)]),
    ['Keys kept from earlier runs', int(r.keys.kept)],
    ['Keys created', int(r.keys.created)],
    ['Keys merged / split', `${int(r.keys.merged)} / ${int(r.keys.split)}`],
  ];
  return section(
    'counts',
    'Counts',
    table(
      'Run counts',
      [{ head: 'Count' }, { head: 'Value', numeric: true }],
      rows.map((row) => row.map(esc)),
    ),
  );
}

function thresholdSection(r: LinkageReport): string {
  const t = r.threshold;
  const i = t.intervals ?? null;
  const est = `<p>Estimated without ground truth, from the score-distribution model: precision <strong>${esc(fixed(t.estimated.precision, 4))}</strong>${i === null ? '' : ` (95 % interval ${esc(range(i.precision))})`}, recall <strong>${esc(fixed(t.estimated.recall, 4))}</strong>${i === null ? '' : ` (${esc(range(i.recall))})`}, F1 ${esc(fixed(t.estimated.f1, 4))}${i === null ? '' : ` (${esc(range(i.f1))})`}.</p>`;
  const intervals =
    i === null
      ? '<p class="note">This run summary predates intervals of the estimates; re-run <code>cohortlink link</code> to get them.</p>'
      : "<p>Each interval is a 95 % interval: the model was fitted again on resamples of the link scores and of the null sample (the scores of records' best non-matches), and the interval holds the middle 95 % of what this run's links would then count as right and missed (the recall interval's low end also allows the most matches below the threshold the model permits). It widens when few links inform the estimate.</p>";
  const recall = `<p>Estimated recall is relative to the matches this run could see: true pairs that blocking proposed and that score at or above the floor (${esc(fixed(r.parameters.floor, 3))}). Matches that share no block, or score below the floor, are not counted; see the blocking section, and with a truth file the pair completeness.</p>`;
  const rough =
    t.basis === 'all-links'
      ? '<p class="warn">⚠ These estimates rest on few links: too few links scored clearly above every non-match, so the non-matches were sampled from every link rather than from the confident ones only. Treat the estimates as rough; the intervals show how rough they are.</p>'
      : '';
  const around = table(
    'Model estimates around the threshold',
    [
      { head: 'Threshold', numeric: true },
      { head: 'Links', numeric: true },
      { head: i === null ? 'Est. precision' : 'Est. precision (95 % interval)', numeric: true },
      { head: i === null ? 'Est. recall' : 'Est. recall (95 % interval)', numeric: true },
      { head: i === null ? 'Est. F1' : 'Est. F1 (95 % interval)', numeric: true },
    ],
    t.around.map((a) => [
      esc(fixed(a.threshold, 3)),
      esc(int(a.links)),
      esc(withInterval(a.precision, a.precisionInterval)),
      esc(withInterval(a.recall, a.recallInterval)),
      esc(withInterval(a.f1, a.f1Interval)),
    ]),
  );
  return section(
    'threshold',
    'Threshold and estimated quality',
    [est, rough, intervals, recall, around].join('\n'),
  );
}

function range(i: Interval): string {
  return `${fixed(i.low, 4)}–${fixed(i.high, 4)}`;
}

/** "0.9990 (0.9975–0.9996)", or the estimate alone when the summary has no interval. */
function withInterval(x: number, i: Interval | undefined): string {
  return i === undefined ? fixed(x, 4) : `${fixed(x, 4)} (${range(i)})`;
}

function scoresSection(r: LinkageReport): string {
  const s = r.scores;
  if (s === null)
    return section(
      'scores',
      'Score distribution',
      '<p class="note">No floor-links file was given (<code>cohortlink link --scores</code>), so the score histogram and the exact effect of moving the threshold are not shown.</p>',
    );
  const span = 1 - s.floor;
  const chart = barChart(
    s.histogram.map((b) => ({ label: fixed(b.from, 2), value: b.count })),
    {
      title: 'Score histogram of the links at the floor',
      description: `${s.floorLinks} links at the floor in bins ${s.binWidth} wide from ${fixed(s.floor, 2)}; the dashed line marks the threshold ${fixed(r.threshold.value, 3)}.`,
      marker: {
        at: span > 0 ? (r.threshold.value - s.floor) / span : 0,
        label: `threshold ${fixed(r.threshold.value, 3)}`,
      },
      sparseLabels: true,
    },
  );
  const mismatch =
    s.linksAtThreshold === r.counts.links
      ? ''
      : `<p class="warn">The floor-links file has ${esc(int(s.linksAtThreshold))} links at the threshold but the run made ${esc(int(r.counts.links))}: it may belong to another run.</p>`;
  const bands = table(
    'Links per score band',
    [{ head: 'Score band' }, { head: 'At the floor', numeric: true }, { head: 'Links made', numeric: true }],
    s.bands.map((b) => [
      esc(b.from === b.to ? `exactly ${fixed(b.from, 2)}` : `${fixed(b.from, 2)} to under ${fixed(b.to, 2)}`),
      esc(int(b.count)),
      esc(int(b.links)),
    ]),
  );
  const shifts = table(
    'Links gained or lost by moving the threshold (exact, from the floor links)',
    [
      { head: 'Shift' },
      { head: 'Threshold', numeric: true },
      { head: 'Links', numeric: true },
      { head: 'Change', numeric: true },
    ],
    s.shifts.map((x) => [
      esc(x.shift > 0 ? `+${fixed(x.shift, 2)}` : `−${fixed(-x.shift, 2)}`),
      esc(fixed(x.threshold, 3)),
      esc(int(x.links)),
      esc(signed(x.change)),
    ]),
  );
  return section('scores', 'Score distribution', `<figure>${chart}</figure>\n${mismatch}${bands}\n${shifts}`);
}

function evaluationSection(r: LinkageReport): string {
  if (r.evaluation === null)
    return section(
      'evaluation',
      'Quality against ground truth',
      '<p class="note">The run had no truth file (<code>cohortlink link --truth</code>): only the estimates above are available.</p>',
    );
  const real = table(
    'Real precision, recall and blocking pair completeness',
    [
      { head: 'Datasets' },
      { head: 'True pairs', numeric: true },
      { head: 'Links', numeric: true },
      { head: 'Precision', numeric: true },
      { head: 'Recall', numeric: true },
      { head: 'F1', numeric: true },
      { head: 'Pair completeness', numeric: true },
    ],
    r.evaluation.map((e) => [
      esc(`${e.left} × ${e.right}`),
      esc(int(e.truePairs)),
      esc(int(e.links)),
      esc(fixed(e.precision, 4)),
      esc(fixed(e.recall, 4)),
      esc(fixed(e.f1, 4)),
      esc(fixed(e.pairCompleteness, 4)),
    ]),
  );
  const curves = r.evaluation.map((e) => curveFigure(r, e));
  return section('evaluation', 'Quality against ground truth', [real, ...curves].join('\n'));
}

type Evaluation = NonNullable<LinkageReport['evaluation']>[number];

/** The real precision–recall curve of one pair, as a chart and a table at every 0.05. */
function curveFigure(r: LinkageReport, e: Evaluation): string {
  const title = `${e.left} × ${e.right}`;
  if (e.curve === undefined || e.curve.length === 0)
    return `<p class="note">${esc(title)}: the summary predates precision–recall curves; re-run <code>cohortlink link --truth</code> to get one.</p>`;
  const floor = e.curve[0]!.threshold;
  const t = r.threshold.value;
  const chart = lineChart(
    [
      { label: 'precision', points: e.curve.map((p) => ({ x: p.threshold, y: p.precision })) },
      { label: 'recall', points: e.curve.map((p) => ({ x: p.threshold, y: p.recall })) },
    ],
    {
      title: `Real precision and recall by threshold, ${title}`,
      description: `Precision and recall against the truth file at thresholds from ${fixed(floor, 2)} to 1 in 0.01 steps; the dashed line marks the run's threshold ${fixed(t, 3)}.`,
      x: { min: floor, max: 1, label: 'threshold' },
      y: { min: 0, max: 1, label: 'precision, recall' },
      marker: { at: t, label: `threshold ${fixed(t, 3)}` },
    },
  );
  const best = e.bestF1;
  const bestLine =
    best === undefined
      ? ''
      : `<p>Best F1 in hindsight: <strong>${esc(fixed(best.f1, 4))}</strong> at threshold ${esc(fixed(best.threshold, 2))} of the 0.01 grid (precision ${esc(fixed(best.precision, 4))}, recall ${esc(fixed(best.recall, 4))}); at the run's threshold, ${esc(fixed(r.threshold.value, 3))}, F1 was ${esc(fixed(e.f1, 4))}.</p>`;
  const shown = e.curve.filter((p) => Math.round(p.threshold * 100) % 5 === 0 || p === best);
  const rows = table(
    `Real quality by threshold, ${title} (every 0.05, and the best F1)`,
    [
      { head: 'Threshold', numeric: true },
      { head: 'Links', numeric: true },
      { head: 'Precision', numeric: true },
      { head: 'Recall', numeric: true },
      { head: 'F1', numeric: true },
    ],
    shown.map((p) => [
      esc(fixed(p.threshold, 2)) + (p === best ? ' <span class="note">(best F1)</span>' : ''),
      esc(int(p.links)),
      esc(fixed(p.precision, 4)),
      esc(fixed(p.recall, 4)),
      esc(fixed(p.f1, 4)),
    ]),
  );
  return `<h3>Precision–recall curve, ${esc(title)}</h3>\n<figure>${chart}</figure>\n${bestLine}\n${rows}`;
}

function conflictsSection(r: LinkageReport): string {
  const parts: string[] = [];
  if (r.conflicts === null)
    parts.push(
      '<p class="note">This run summary predates conflict counts; re-run <code>cohortlink link</code> to record them.</p>',
    );
  else if (r.conflicts.length > 0) {
    const c0 = r.conflicts[0]!;
    parts.push(
      `<p>A record is in conflict when another of its candidates scores within ${esc(fixed(c0.margin, 2))} of its best one, counting candidates at or above the threshold (${esc(fixed(c0.threshold, 3))}) only. Its link was a close call: a reviewer may want those records checked by hand.</p>`,
      table(
        'Records with several candidates close to the best',
        [
          { head: 'Records of' },
          { head: 'Linked with' },
          { head: 'With a candidate ≥ threshold', numeric: true },
          { head: 'In conflict', numeric: true },
          { head: 'Share', numeric: true },
          { head: 'In conflict and linked', numeric: true },
        ],
        r.conflicts.flatMap((c: ConflictSection) => [
          conflictRow(c.left, c.right, c.leftRecords),
          conflictRow(c.right, c.left, c.rightRecords),
        ]),
      ),
    );
  }
  const k = r.clusters;
  if (k === null)
    parts.push(
      `<p class="note">${r.mode === 'dedup' || r.mode === 'multi' ? 'This run summary predates cluster statistics.' : `A ${esc(r.mode)} run makes no clusters beyond its links, so none can be split.`}</p>`,
    );
  else {
    parts.push(
      `<p>Clusters merge only when enough of the record pairs between them are candidates above the threshold; a cluster that was refused a merge was split to stop chaining (A≈B, B≈C but A≠C).${k.clustersWithRefusals > 0 ? '' : ' No cluster was split in this run.'}</p>`,
      table(
        'Clusters (people) and refused merges',
        [{ head: 'Measure' }, { head: 'Value', numeric: true }],
        [
          ['Clusters', int(k.clusters)],
          ['Single-record clusters', int(k.singletons)],
          ['Largest cluster (records)', int(k.largest)],
          ['Merges made', int(k.merges)],
          ['Pairs refused by the anti-chaining rule', int(k.refusedByLinkage)],
          ['Pairs refused: both clusters hold a record of one dataset', int(k.refusedBySameDataset)],
          ['Clusters split (hold an end of a refused pair)', int(k.clustersWithRefusals)],
        ].map((row) => row.map(esc)),
      ),
      table(
        'Clusters by size',
        [
          { head: 'Records in the cluster', numeric: true },
          { head: 'Clusters', numeric: true },
        ],
        k.sizes.map((x) => [esc(int(x.size)), esc(int(x.clusters))]),
      ),
    );
  }
  return section('conflicts', 'Conflicts and split clusters', parts.join('\n'));
}

function conflictRow(
  side: string,
  other: string,
  x: { recordsWithCandidates: number; conflicted: number; linked: number },
): string[] {
  const share = x.recordsWithCandidates > 0 ? x.conflicted / x.recordsWithCandidates : 0;
  return [
    esc(side),
    esc(other),
    esc(int(x.recordsWithCandidates)),
    esc(int(x.conflicted)),
    esc(`${fixed(share * 100, 2)} %`),
    esc(int(x.linked)),
  ];
}

function subgroupsSection(r: LinkageReport): string {
  const g = r.subgroups;
  if (g === null)
    return section(
      'subgroups',
      'Link rates by subgroup',
      '<p class="note">No dataset attributes were given (<code>cohortlink report run --keys-dir … --attributes &lt;dataset&gt;=&lt;file&gt;</code>), so link rates by age band, sex and region are not shown.</p>',
    );
  const intro = `<p>Share of each dataset's records that were linked (${esc(g.linkedMeans === 'key on another record' ? 'their linkage key is held by another record' : 'their linkage key is in another dataset of the run')}), by age band (age on ${esc(g.asOf)}), sex and region. A group is flagged when its rate differs from that of everyone else in the dataset by at least ${esc(fixed(g.minDifference * 100, 1))} percentage points <em>and</em> the difference has |z| ≥ ${esc(fixed(g.minZ, 1))}. Under-linked groups would be under-invited. Groups of fewer than ${esc(int(g.minGroup))} records are suppressed.</p>`;
  return section(
    'subgroups',
    'Link rates by subgroup',
    `${intro}\n${g.datasets.map((d) => subgroupDataset(g, d)).join('\n')}`,
  );
}

function subgroupDataset(g: SubgroupSection, d: SubgroupDataset): string {
  const head = `<h3>${esc(d.dataset)} <span class="note">(${esc(int(d.records))} records, ${esc(int(d.linked))} linked, ${esc(fixed(d.rate * 100, 2))} %)</span></h3>`;
  const flagged =
    d.flagged > 0
      ? `<p class="warn">⚠ ${esc(int(d.flagged))} group(s) of ${esc(d.dataset)} flagged: see the marked rows.</p>`
      : `<p>No group of ${esc(d.dataset)} is flagged.</p>`;
  const missing =
    d.recordsWithoutAttributes > 0
      ? `<p class="note">${esc(int(d.recordsWithoutAttributes))} record(s) have no attributes line and count as unknown in every table.</p>`
      : '';
  const tables = d.dimensions.map((dim) =>
    table(
      `${d.dataset}: link rate by ${dim.dimension}`,
      [
        {
          head:
            dim.dimension === 'age band'
              ? `Age band (on ${g.asOf})`
              : dim.dimension === 'sex'
                ? 'Sex'
                : 'Region',
        },
        { head: 'Records', numeric: true },
        { head: 'Linked', numeric: true },
        { head: 'Rate', numeric: true },
        { head: 'Difference (points)', numeric: true },
        { head: 'z', numeric: true },
        { head: 'Flag' },
      ],
      dim.rows.map(subgroupRow),
    ),
  );
  return [head, flagged, missing, ...tables].join('\n');
}

/** A row; a flagged one is marked by a text marker and the warn class on every cell, not by colour alone. */
function subgroupRow(x: SubgroupRow): string[] {
  if (x.suppressed)
    return [
      esc(x.group),
      '<span class="note">suppressed</span>',
      '–',
      '–',
      '–',
      '–',
      '<span class="note">small group</span>',
    ];
  const cells = [
    esc(x.group),
    esc(int(x.records ?? 0)),
    esc(int(x.linked ?? 0)),
    esc(`${fixed((x.rate ?? 0) * 100, 2)} %`),
    esc(signedFixed((x.difference ?? 0) * 100, 2)),
    esc(signedFixed(x.z ?? 0, 1)),
    x.flag === null ? '' : esc(`${x.flag === 'under-linked' ? '▼' : '▲'} ${x.flag}`),
  ];
  return x.flag === null ? cells : cells.map((c) => `<span class="warn">${c}</span>`);
}

function signedFixed(n: number, digits: number): string {
  const s = fixed(Math.abs(n), digits);
  return Number(s) === 0 ? s : n > 0 ? `+${s}` : `−${s}`;
}

function blockingSection(r: LinkageReport): string {
  return section(
    'blocking',
    'Blocking',
    r.blocking.map((b, k) => blockingPair(b, k, r.parameters.topK)).join('\n'),
  );
}

/** Records no pass can put forward: per side when linking, once when deduplicating. */
function unblockedRows(b: BlockingSection): string[][] {
  if (b.right === null)
    return [[`${b.left} records sharing a block with no other record in any pass`, int(b.unblockedLeft)]];
  return [
    [`${b.left} records sharing a block with no ${b.right} record in any pass`, int(b.unblockedLeft)],
    [`${b.right} records sharing a block with no ${b.left} record in any pass`, int(b.unblockedRight)],
  ];
}

/**
 * One-to-one's re-query of left records whose top-k cut may change their link (all k taken by
 * other links, or linked at exactly the k-th score); nothing in other modes.
 */
function requeryRows(b: BlockingSection, topK: number): string[][] {
  const q = b.requery ?? null;
  if (q === null) return [];
  return [
    [
      `${b.left} records re-queried (${topK === 1 ? 'best candidate' : `${int(topK)} best candidates all`} taken, or link at the cut)`,
      int(q.rows),
    ],
    ['Candidate pairs added by scoring them again', int(q.pairsAdded)],
    ['Rounds of scoring again', int(q.rounds)],
  ];
}

function blockingPair(b: BlockingSection, k: number, topK: number): string {
  const title = b.right === null ? b.left : `${b.left} × ${b.right}`;
  const overview = table(
    `Blocking of ${title}`,
    [{ head: 'Measure' }, { head: 'Value', numeric: true }],
    [
      ['Mode (requested)', `${b.mode} (${b.requestedMode})`],
      ['All possible pairs', int(b.totalPairs)],
      ['Candidate pairs', int(b.candidatePairs)],
      ['Reduction ratio', fixed(b.reductionRatio, 6)],
      ['Blocks over the cap, left out', int(b.cappedBlocks)],
      ['Pairs in those blocks', int(b.cappedPairs)],
      ...unblockedRows(b),
      ...requeryRows(b, topK),
    ].map((row) => row.map(esc)),
  );
  const passes = b.passes
    .map((p, j) => {
      const chart = barChart(
        p.sizeHistogram.map((h) => ({
          label: h.maxPairs === null ? 'more' : `≤${int(h.maxPairs)}`,
          value: h.blocks,
        })),
        {
          title: `Block sizes, pass ${p.name} (${title}, #${k + 1}.${j + 1})`,
          description: `${p.blocks} blocks by the number of pairs they hold; ${p.cappedBlocks} over the cap were left out.`,
        },
      );
      const cap =
        p.cappedBlocks > 0
          ? `<p class="warn">${esc(int(p.cappedBlocks))} block(s) over the cap left out (${esc(int(p.cappedPairs))} pairs, ${esc(int(p.cappedRecords))} records).</p>`
          : '';
      return `<h3>Pass ${esc(p.name)} <span class="note">(${esc(p.kind)}; ${esc(int(p.blocks))} blocks, ${esc(int(p.pairs))} pairs, largest ${esc(int(p.largestBlockPairs))})</span></h3>\n<figure>${chart}</figure>${cap}`;
    })
    .join('\n');
  return `${overview}\n${passes}`;
}

function timingsSection(r: LinkageReport): string {
  return section(
    'timings',
    'Timings',
    table(
      'Time per stage (seconds)',
      [{ head: 'Stage' }, { head: 'Seconds', numeric: true }],
      Object.entries(r.timings).map(([k, v]) => [esc(k), esc(fixed(v, 2))]),
    ),
  );
}
