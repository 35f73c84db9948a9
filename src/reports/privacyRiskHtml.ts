/**
 * The privacy-risk report as one self-contained HTML page (frame: htmlPage.ts). Every
 * interpolated string goes through `esc`; numbers through int/fixed. Findings come first — a
 * reviewer reads the levels and recommendations, then the figures behind them.
 */
import { esc, fixed, int } from './escape.js';
import { reportPage, section, table } from './htmlPage.js';
import { popcountBars } from './popcountBars.js';
import type { RiskLevel } from './privacyFindings.js';
import type { BitFrequencyStats, DatasetPrivacy, PrivacyRiskReport } from './privacyRisk.js';
import { provenanceLine } from './provenance.js';
import { barChart } from './svgChart.js';

/** Popcount tables group popcounts into at most this many rows (the JSON keeps every popcount). */
const POPCOUNT_ROWS = 12;
const MAX_BARS = 96;

export function renderPrivacyRiskHtml(r: PrivacyRiskReport): string {
  const body = [
    `<header><h1>Privacy-risk report</h1><p class="lede">Project ${esc(r.project)} — ${esc(int(r.datasets.length))} datasets, ${esc(int(r.overall.records))} encodings; overall risk ${level(r.level)}</p>${provenanceLine(r.generated)}</header>`,
    '<main>',
    findingsSection(r),
    attackSection(r),
    recommendationsSection(r),
    datasetsSection(r),
    bitsSection(r),
    uniquenessSection(r),
    sharedSection(r),
    '</main>',
  ].join('\n');
  return reportPage(`Privacy-risk report — ${r.project}`, body);
}

function level(l: RiskLevel): string {
  return `<span class="risk risk-${l}">${esc(l)}</span>`;
}

const pct = (x: number, digits = 1) => `${fixed(x * 100, digits)}%`;

function findingsSection(r: PrivacyRiskReport): string {
  const rows = r.findings.map((f) => [
    esc(f.title),
    esc(f.scope),
    f.indicative ? `${level(f.level)}<br><span class="note">indicator, not counted</span>` : level(f.level),
    `${esc(f.evidence)}<br><span class="note">Rule: ${esc(f.rule)}</span>`,
  ]);
  const reuse = r.keyReuseChecked
    ? ''
    : '<p class="note">Reuse of a secret by other projects was not checked (no other project’s key fingerprints were supplied); compare the key fingerprints below with those of other projects — each project should have its own secret.</p>';
  return section(
    'findings',
    'Findings',
    `${table('Findings, their risk level and the rule that set it', [{ head: 'Finding' }, { head: 'Scope' }, { head: 'Level' }, { head: 'Figures and rule' }], rows)}\n${reuse}`,
  );
}

function attackSection(r: PrivacyRiskReport): string {
  const a = r.simulatedAttack;
  if (a === undefined)
    return section(
      'attack',
      'Simulated attack',
      '<p class="note">No attack was simulated for this report; its level rests on the rules of thumb below.</p>',
    );
  const rows = a.datasets.flatMap((d) =>
    d.fields.map((f) => [
      esc(d.dataset),
      esc(int(d.recordsAttacked)),
      esc(f.field),
      esc(pct(f.assignedShare)),
      esc(pct(f.baselineRate)),
      esc(`${int(f.topValuesRecovered)} of ${int(f.topValuesConsidered)}`),
    ]),
  );
  const intro = `<p>Method: ${esc(a.method)}. The attacker holds only the encodings and public name frequencies (${esc(a.frequencySource)}); up to ${esc(int(a.sample))} records per dataset, seed ${esc(int(a.seed))}. “Named” is the share of records the attack assigned a name to: an upper bound on how many it re-identified (on generated data the two differ by about 1.5 points). Compare it with guessing the commonest name for everyone. The overall level follows this measurement; bit usage, popcounts and the hardening flags are shown as indicators.</p>`;
  return section(
    'attack',
    'Simulated attack',
    `${intro}
${table('Names recovered by the simulated attack, against guessing', [{ head: 'Dataset' }, { head: 'Records attacked' }, { head: 'Field' }, { head: 'Named' }, { head: 'Guessing' }, { head: 'Commonest names whose pattern was found' }], rows)}`,
  );
}

function recommendationsSection(r: PrivacyRiskReport): string {
  const content =
    r.recommendations.length === 0
      ? '<p>No finding is above low risk; nothing needs changing.</p>'
      : `<ol>${r.recommendations.map((x) => `<li>${esc(x)}</li>`).join('')}</ol>`;
  return section('recommendations', 'Recommendations', content);
}

function datasetsSection(r: PrivacyRiskReport): string {
  return section(
    'datasets',
    'Datasets and hardening',
    table(
      'Encodings in the project',
      [
        { head: 'Dataset' },
        { head: 'Encodings', numeric: true },
        { head: 'Filter bits', numeric: true },
        { head: 'Hardening' },
        { head: 'Schema fingerprint' },
        { head: 'Key fingerprint' },
      ],
      r.datasets.map((d) => [
        esc(d.name),
        esc(int(d.records)),
        esc(int(d.filterBits)),
        esc(d.hardening.described),
        `<code>${esc(d.schemaFingerprint)}</code>`,
        `<code>${esc(d.keyFingerprint)}</code>`,
      ]),
    ),
  );
}

function bitRow(name: string, b: BitFrequencyStats): string[] {
  return [
    esc(name),
    esc(pct(b.minFrequency)),
    esc(pct(b.meanFrequency)),
    esc(pct(b.maxFrequency)),
    esc(fixed(b.coefficientOfVariation, 3)),
    esc(fixed(b.coefficientOfVariationBeyondNoise, 3)),
    esc(b.maxMinRatio === null ? '–' : fixed(b.maxMinRatio, 1)),
    esc(pct(b.neverSetShare)),
    esc(pct(b.almostAlwaysSetShare)),
    esc(fixed(b.meanEntropy, 3)),
  ];
}

function bitsSection(r: PrivacyRiskReport): string {
  const rows = r.datasets.map((d) => bitRow(d.name, d.bits));
  if (r.overall.bits !== null && r.datasets.length > 1) rows.push(bitRow('all datasets', r.overall.bits));
  const stats = table(
    'How often each bit position is set',
    [
      { head: 'Dataset' },
      { head: 'Least set', numeric: true },
      { head: 'Mean', numeric: true },
      { head: 'Most set', numeric: true },
      { head: 'CV', numeric: true },
      { head: 'CV beyond noise', numeric: true },
      { head: 'Max/min', numeric: true },
      { head: 'Never set', numeric: true },
      { head: 'Set in ≥ 95%', numeric: true },
      { head: 'Mean entropy (bits)', numeric: true },
    ],
    rows,
  );
  const charts = r.datasets.map((d) => profileChart(d.name, d.bits));
  if (r.overall.bits !== null && r.datasets.length > 1)
    charts.push(profileChart('all datasets', r.overall.bits));
  const intro =
    '<p>In a filter that leaks little, every position is set about equally often. Positions set far more often than others are traces of common name and date fragments, and are what a frequency attack aligns with a population’s known frequencies. CV is the coefficient of variation of the positions’ frequencies (0 = perfectly even); “beyond noise” removes the spread a dataset of this size shows by chance. Entropy is 1 bit for a position set half the time.</p>';
  return section('bits', 'Bit usage', `${intro}\n${stats}\n${charts.join('\n')}`);
}

function profileChart(name: string, b: BitFrequencyStats): string {
  if (b.sortedProfile.length === 0) return '';
  const chart = barChart(
    b.sortedProfile.map((v, k) => ({ label: `${k + 1}`, value: v })),
    {
      title: `Bit positions of ${name} sorted by how often they are set (percent of filters)`,
      description: `${b.positions} positions in ${b.sortedProfile.length} equal groups from least to most often set; each bar is the group's mean frequency in percent, from ${pct(b.minFrequency)} to ${pct(b.maxFrequency)}. A flat profile is even bit usage.`,
      sparseLabels: true,
    },
  );
  return `<h3>Sorted bit frequencies, ${esc(name)}</h3>\n<figure>${chart}</figure>`;
}

function uniquenessSection(r: PrivacyRiskReport): string {
  const summary = table(
    'Unique filters',
    [
      { head: 'Dataset' },
      { head: 'Filters', numeric: true },
      { head: 'Unique', numeric: true },
      { head: 'Unique share', numeric: true },
      { head: 'Unique at rare popcounts', numeric: true },
      { head: 'Share', numeric: true },
    ],
    [
      ...r.datasets.map((d) => [
        esc(d.name),
        esc(int(d.records)),
        esc(int(d.uniqueness.uniqueFilters)),
        esc(pct(d.uniqueness.uniqueShare)),
        esc(int(d.uniqueness.uniqueAtRarePopcounts)),
        esc(pct(d.uniqueness.uniqueAtRarePopcountsShare, 3)),
      ]),
      [
        esc('all datasets'),
        esc(int(r.overall.records)),
        esc(int(r.overall.uniqueFilters)),
        esc(pct(r.overall.uniqueShare)),
        esc(int(r.overall.uniqueAtRarePopcounts)),
        esc(r.overall.records === 0 ? '–' : pct(r.overall.uniqueAtRarePopcounts / r.overall.records, 3)),
      ],
    ],
  );
  const rare = r.datasets[0]?.uniqueness.rarePopcountClass ?? 0;
  const intro = `<p>A filter is unique when no other filter of its dataset has the same bits. Its popcount (number of bits set) reflects the length of the values encoded; a unique filter at a popcount fewer than ${esc(int(rare))} filters share stands out to a pattern-mining attack, which starts from such outliers. Balanced filters all have the same popcount.</p>`;
  return section(
    'uniqueness',
    'Uniqueness by popcount',
    `${intro}\n${summary}\n${r.datasets.map(popcountDetail).join('\n')}`,
  );
}

function popcountDetail(d: DatasetPrivacy): string {
  const bins = d.uniqueness.byPopcount;
  if (bins.length === 0) return '';
  const { bars, width } = popcountBars(bins, MAX_BARS);
  const chart = barChart(bars, {
    title: `Filters of ${d.name} by popcount`,
    description: `How many filters have each popcount, from ${bins[0]!.popcount} to ${bins.at(-1)!.popcount}${width > 1 ? ` in bins of ${width} labelled by their first popcount` : ''}; the table below gives the unique share per popcount band.`,
    sparseLabels: true,
  });
  const rowWidth = Math.ceil(bins.length / POPCOUNT_ROWS);
  const rows: string[][] = [];
  for (let i = 0; i < bins.length; i += rowWidth) {
    const g = bins.slice(i, i + rowWidth);
    const filters = g.reduce((s, b) => s + b.filters, 0);
    const unique = g.reduce((s, b) => s + b.unique, 0);
    const from = g[0]!.popcount;
    const to = g.at(-1)!.popcount;
    rows.push([
      esc(from === to ? String(from) : `${from}–${to}`),
      esc(int(filters)),
      esc(int(unique)),
      esc(filters === 0 ? '–' : pct(unique / filters)),
    ]);
  }
  const t = table(
    `Unique filters of ${d.name} per popcount band`,
    [
      { head: 'Popcount' },
      { head: 'Filters', numeric: true },
      { head: 'Unique', numeric: true },
      { head: 'Unique share', numeric: true },
    ],
    rows,
  );
  return `<h3>Popcounts, ${esc(d.name)}</h3>\n<figure>${chart}</figure>\n${t}`;
}

function sharedSection(r: PrivacyRiskReport): string {
  const dup = table(
    'Repeated filters within each dataset',
    [
      { head: 'Dataset' },
      { head: 'Records sharing a filter', numeric: true },
      { head: 'Share', numeric: true },
      { head: 'Repeated filters', numeric: true },
      { head: 'Largest group', numeric: true },
    ],
    r.datasets.map((d) => [
      esc(d.name),
      esc(int(d.duplicates.records)),
      esc(pct(d.duplicates.share, 2)),
      esc(int(d.duplicates.filters)),
      esc(int(d.duplicates.largestGroup)),
    ]),
  );
  const across =
    r.sharedFilters.length === 0
      ? ''
      : table(
          'Identical filters across datasets',
          [{ head: 'Datasets' }, { head: 'Same secret' }, { head: 'Filters in both', numeric: true }],
          r.sharedFilters.map((s) => [
            esc(`${s.a} × ${s.b}`),
            esc(s.sameKey ? 'yes' : 'no'),
            esc(s.sameKey ? int(s.sharedFilters) : 'not compared'),
          ]),
        );
  return section(
    'duplicates',
    'Repeated and shared filters',
    `${dup}\n${across}\n<p class="note">Filters are compared by a 64-bit digest; two different filters share one with a probability of about one in ten million for two million filters.</p>`,
  );
}
