/**
 * The frame every report page shares: one self-contained HTML document with inline CSS, no
 * script and no external request (it must open offline and on a locked-down reviewer machine),
 * a Content-Security-Policy that forbids anything else, and a print stylesheet so it reads on
 * paper. Tables and sections take already-escaped HTML cells (callers escape with esc/int/fixed).
 */
import { esc } from './escape.js';

export const REPORT_CSS = `
:root{--fg:#1d1d1b;--muted:#5b5b57;--line:#c8c8c4;--bar:#005eb8;--mark:#d5281b;--bg:#fff}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:60rem;padding:1.5rem}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:2px solid var(--line)}h3{font-size:1.05rem;margin:1.25rem 0 .4rem}
p.lede{color:var(--muted);margin-top:0}
table{border-collapse:collapse;margin:.5rem 0 1rem;min-width:50%}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
.chart{width:100%;max-width:40rem;height:auto;display:block;margin:.5rem 0}
.bar{fill:var(--bar)}.axis{stroke:var(--fg)}.tick{font-size:10px;fill:var(--muted)}
.marker{stroke:var(--mark);stroke-width:2;stroke-dasharray:4 3}.marker-label{font-size:11px;fill:var(--mark);font-weight:600}
.note{color:var(--muted);font-size:.9rem}.warn{color:var(--mark);font-weight:600}
.risk{font-weight:600;padding:0 .35rem;border:1px solid currentColor;border-radius:3px;white-space:nowrap}.risk-high{color:#fff;background:var(--mark)}.risk-moderate{color:#1d1d1b;background:#ffeb3b}.risk-low{color:#005a30;background:#e8f1e4}
.grid{stroke:var(--line);stroke-width:.5}.line{fill:none;stroke-width:2}.line-1{stroke:var(--bar)}.line-2{stroke:#330072;stroke-dasharray:6 3}.line-3{stroke:#007f3b;stroke-dasharray:2 3}
@media print{body{max-width:none;padding:0;font-size:11pt}h2{break-after:avoid}table,figure,.chart{break-inside:avoid}
.risk{background:none;color:#000}.bar{fill:#555}.marker{stroke:#000}.marker-label{fill:#000}.line-1{stroke:#000}.line-2{stroke:#555}.line-3{stroke:#888}a{color:inherit;text-decoration:none}}
`;

/** A whole page: `title` is plain text, `body` escaped HTML. */
export function reportPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export interface Column {
  readonly head: string;
  readonly numeric?: boolean;
}

/** A table; cells are already-escaped HTML (callers escape with esc/int/fixed). */
export function table(
  caption: string,
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  const head = columns
    .map((c) => `<th scope="col"${c.numeric ? ' class="n"' : ''}>${esc(c.head)}</th>`)
    .join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row.map((cell, k) => (k === 0 ? `<th scope="row">${cell}</th>` : `<td${columns[k]?.numeric ? ' class="n"' : ''}>${cell}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<table><caption>${esc(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function section(id: string, title: string, content: string): string {
  return `<section aria-labelledby="${id}"><h2 id="${id}">${esc(title)}</h2>\n${content}\n</section>`;
}
