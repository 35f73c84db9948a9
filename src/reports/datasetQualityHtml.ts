/**
 * The data-quality report as one self-contained HTML page (frame: htmlPage.ts). Every
 * interpolated string goes through `esc`; numbers through int/fixed.
 */
import type { DatasetQualityReport, FieldComparison } from './datasetQuality.js';
import { esc, fixed, int } from './escape.js';
import { reportPage, section, table } from './htmlPage.js';
import { popcountBars } from './popcountBars.js';
import { provenanceLine } from './provenance.js';
import { barChart } from './svgChart.js';

/** Histograms wider than this are drawn in bins of several popcounts (the table keeps them all). */
const MAX_BARS = 96;

export function renderDatasetQualityHtml(r: DatasetQualityReport): string {
  const d = r.dataset;
  const body = [
    `<header><h1>Data-quality report</h1><p class="lede">Dataset ${esc(d.name)} — ${esc(int(d.records))} encoded records, ${esc(int(d.filterBits))}-bit filters</p>${provenanceLine(r.generated)}</header>`,
    '<main>',
    flagsSection(r),
    datasetSection(r),
    rowsSection(r),
    fieldsSection(r),
    popcountSection(r),
    duplicatesSection(r),
    comparisonSection(r),
    '</main>',
  ].join('\n');
  return reportPage(`Data-quality report — ${d.name}`, body);
}

function pct(rate: number): string {
  return `${fixed(rate * 100, 1)}%`;
}

function flagsSection(r: DatasetQualityReport): string {
  const content =
    r.flags.length === 0
      ? `<p>No field or popcount is markedly worse than in the other datasets${r.comparison.others.length === 0 ? ' (no other dataset was given to compare with)' : ''}.</p>`
      : `<ul class="flags">${r.flags.map((f) => `<li class="warn">${esc(f.message)}</li>`).join('')}</ul>`;
  return section('flags', 'Flags', content);
}

function datasetSection(r: DatasetQualityReport): string {
  const d = r.dataset;
  const h = d.hardening;
  const hardening =
    [
      h.balance ? 'balancing' : '',
      h.salted ? 'salting' : '',
      h.bitFlip > 0 ? `bit-flip noise p=${h.bitFlip}` : '',
      h.xorFolds > 0 ? `XOR-folded ${h.xorFolds}×` : '',
    ]
      .filter((x) => x !== '')
      .join(', ') || 'none';
  return section(
    'dataset',
    'Dataset',
    table(
      'Encodings file',
      [{ head: 'Item' }, { head: 'Value' }],
      [
        ['Name', esc(d.name)],
        ['Encoded records', esc(int(d.records))],
        ['Filter bits', esc(int(d.filterBits))],
        ['Schema', `${esc(d.schemaSource)}, fingerprint <code>${esc(d.schemaFingerprint)}</code>`],
        ['Key fingerprint', `<code>${esc(d.keyFingerprint)}</code>`],
        ['Hardening', esc(hardening)],
        ['Encoder', `${esc(d.encoder)}, ${esc(d.createdAt)}`],
      ].map(([k, v]) => [esc(k), v!]),
    ),
  );
}

function rowsSection(r: DatasetQualityReport): string {
  const w = r.rows;
  if (w === null)
    return section(
      'rows',
      'Rows',
      '<p class="note">The encodings file has no summary line, so the rows read and rejected and the per-field counts are unknown.</p>',
    );
  const counts = table(
    'Rows of the source CSV',
    [{ head: 'Rows' }, { head: 'Count', numeric: true }, { head: 'Share', numeric: true }],
    [
      ['Read', w.read],
      ['Encoded with every field', w.encodedComplete],
      ['Encoded with a missing or invalid field', w.encodedWithMissing],
      ['Rejected', w.rejected],
    ].map(([k, v]) => [esc(k), esc(int(v as number)), esc(w.read === 0 ? '–' : pct((v as number) / w.read))]),
  );
  const reasons =
    w.rejectReasons.length === 0
      ? ''
      : table(
          'Why rows were rejected',
          [{ head: 'Reason' }, { head: 'Rows', numeric: true }],
          w.rejectReasons.map((x) => [esc(x.reason.replace(/_/g, ' ')), esc(int(x.count))]),
        );
  return section('rows', 'Rows', `${counts}\n${reasons}`);
}

function fieldsSection(r: DatasetQualityReport): string {
  if (!r.summaryAvailable) return '';
  const rows = r.fields.map((f) => [
    esc(f.field),
    esc(int(f.present)),
    esc(int(f.missing)),
    esc(pct(f.missingRate)),
    esc(int(f.invalid)),
    esc(pct(f.invalidRate)),
    esc(f.invalidReasons.map((x) => `${x.reason.replace(/_/g, ' ')}: ${int(x.count)}`).join('; ') || '–'),
  ]);
  return section(
    'fields',
    'Fields',
    table(
      'Values per field (rates over the encoded records)',
      [
        { head: 'Field' },
        { head: 'Present', numeric: true },
        { head: 'Missing', numeric: true },
        { head: 'Missing %', numeric: true },
        { head: 'Invalid', numeric: true },
        { head: 'Invalid %', numeric: true },
        { head: 'Invalid because' },
      ],
      rows,
    ),
  );
}

function popcountSection(r: DatasetQualityReport): string {
  const p = r.popcount;
  if (p.histogram.length === 0) return section('popcount', 'Filter popcounts', '<p>No filters.</p>');
  const { bars, width } = popcountBars(p.histogram, MAX_BARS);
  const chart = barChart(bars, {
    title: 'Filters by popcount (bits set)',
    description: `Popcounts from ${p.min} to ${p.max}${width > 1 ? ` in bins of ${width} labelled by their first popcount` : ''}; mean ${fixed(p.mean, 1)}, standard deviation ${fixed(p.sd, 1)}.`,
    sparseLabels: true,
  });
  const figures = table(
    'Popcount',
    [{ head: 'Statistic' }, { head: 'Bits set', numeric: true }],
    [
      ['Minimum', int(p.min)],
      ['Mean', fixed(p.mean, 2)],
      ['Standard deviation', fixed(p.sd, 2)],
      ['Maximum', int(p.max)],
    ].map((row) => row.map(esc)),
  );
  return section(
    'popcount',
    'Filter popcounts',
    `<p>How many bits each filter has set. Values missing from a record set fewer bits; a dataset whose popcounts sit well below the others' will see its true matches score lower.</p>\n<figure>${chart}</figure>\n${figures}`,
  );
}

function duplicatesSection(r: DatasetQualityReport): string {
  const d = r.duplicates;
  const text =
    d.records === 0
      ? '<p>No two records have the same encoding.</p>'
      : `<p>${esc(int(d.records))} records (${esc(pct(d.share))}) share their encoding with another record: ${esc(int(d.filters))} distinct encodings occur more than once, the most common ${esc(int(d.largestGroup))} times. Identical encodings come from identical identifiers — usually the same person recorded twice.</p>`;
  return section('duplicates', 'Duplicate encodings', text);
}

function comparisonSection(r: DatasetQualityReport): string {
  const c = r.comparison;
  if (c.others.length === 0)
    return section(
      'comparison',
      'Comparison with the other datasets',
      '<p class="note">No other dataset of the project was given to compare with.</p>',
    );
  const others = table(
    'Datasets compared (from their summary lines)',
    [
      { head: 'Dataset' },
      { head: 'Encoded', numeric: true },
      { head: 'Mean popcount', numeric: true },
      { head: 'Same schema' },
    ],
    c.others.map((o) => [
      esc(o.name),
      esc(o.encoded === null ? '–' : int(o.encoded)),
      esc(o.popcountMean === null ? '–' : fixed(o.popcountMean, 1)),
      esc(o.summaryAvailable ? (o.sameSchema ? 'yes' : 'no (popcounts not compared)') : 'no summary line'),
    ]),
  );
  const fields = table(
    `Field rates in ${r.dataset.name} against the other datasets' median`,
    [
      { head: 'Field' },
      { head: 'Missing here', numeric: true },
      { head: 'Missing elsewhere (median)', numeric: true },
      { head: 'Invalid here', numeric: true },
      { head: 'Invalid elsewhere (median)', numeric: true },
      { head: 'Flag' },
    ],
    c.fields.map((f) => fieldRow(f)),
  );
  const pm = c.popcountMean;
  const popcount =
    pm.othersMedian === null
      ? '<p class="note">No other dataset with the same schema has a popcount mean to compare with.</p>'
      : `<p${pm.flagged ? ' class="warn"' : ''}>Mean popcount ${esc(fixed(pm.mean, 1))} here against a median of ${esc(fixed(pm.othersMedian, 1))} in the other datasets with the same schema (${esc(pm.relativeDifference === null ? '–' : `${pm.relativeDifference >= 0 ? '+' : '−'}${pct(Math.abs(pm.relativeDifference))}`)})${pm.flagged ? ': flagged' : ''}.</p>`;
  const rules = `<p class="note">Field rates are ${esc(c.rules.fieldRate)}. Popcount means are ${esc(c.rules.popcountMean)}.</p>`;
  return section(
    'comparison',
    'Comparison with the other datasets',
    `${others}\n${fields}\n${popcount}\n${rules}`,
  );
}

function fieldRow(f: FieldComparison): string[] {
  const flag = [
    f.missingFlagged ? 'missing markedly more often' : '',
    f.invalidFlagged ? 'invalid markedly more often' : '',
  ]
    .filter((x) => x !== '')
    .join('; ');
  const median = (v: number | null) => (v === null ? '–' : pct(v));
  return [
    esc(f.field),
    esc(pct(f.missingRate)),
    esc(median(f.othersMedianMissingRate)),
    esc(pct(f.invalidRate)),
    esc(median(f.othersMedianInvalidRate)),
    flag === '' ? '–' : `<span class="warn">${esc(flag)}</span>`,
  ];
}
