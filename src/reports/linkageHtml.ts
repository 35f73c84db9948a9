/**
 * The linkage-quality report as one self-contained HTML page (frame: htmlPage.ts). Every
 * interpolated string goes through `esc`.
 */
import { esc, fixed, int, signed } from './escape.js';
import { reportPage, section, table } from './htmlPage.js';
import type { BlockingSection, LinkageReport } from './linkageReport.js';
import { barChart } from './svgChart.js';

export function renderLinkageReportHtml(r: LinkageReport): string {
  const names = r.inputs.map((d) => d.name).join(' × ');
  const body = [
    `<header><h1>Linkage quality report</h1><p class="lede">${esc(names)} — ${esc(r.mode)} linkage, threshold ${esc(fixed(r.threshold.value, 3))}</p></header>`,
    '<main>',
    inputsSection(r),
    countsSection(r),
    thresholdSection(r),
    scoresSection(r),
    evaluationSection(r),
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
  const est = `<p>Estimated without ground truth, from the score-distribution model: precision <strong>${esc(fixed(t.estimated.precision, 4))}</strong>, recall <strong>${esc(fixed(t.estimated.recall, 4))}</strong>, F1 ${esc(fixed(t.estimated.f1, 4))}.</p>`;
  const around = table(
    'Model estimates around the threshold',
    [
      { head: 'Threshold', numeric: true },
      { head: 'Links', numeric: true },
      { head: 'Est. precision', numeric: true },
      { head: 'Est. recall', numeric: true },
      { head: 'Est. F1', numeric: true },
    ],
    t.around.map((a) => [
      esc(fixed(a.threshold, 3)),
      esc(int(a.links)),
      esc(fixed(a.precision, 4)),
      esc(fixed(a.recall, 4)),
      esc(fixed(a.f1, 4)),
    ]),
  );
  return section('threshold', 'Threshold and estimated quality', `${est}\n${around}`);
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
  return section(
    'evaluation',
    'Quality against ground truth',
    table(
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
    ),
  );
}

function blockingSection(r: LinkageReport): string {
  return section('blocking', 'Blocking', r.blocking.map(blockingPair).join('\n'));
}

function blockingPair(b: BlockingSection, k: number): string {
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
      ['Left records in no block', int(b.unblockedLeft)],
      ['Right records in no block', int(b.unblockedRight)],
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
