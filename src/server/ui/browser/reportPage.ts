/**
 * A report opened inside the UI: its self-contained page is fetched with the token and shown in
 * a sandboxed frame (no scripts, no same-origin access, so the page can neither run code nor
 * reach the token), and can be downloaded as the same file.
 */
import { enc, getText } from './api.js';
import { type Child, h, heading, link } from './dom.js';
import { shortId } from './format.js';

export type ReportRef =
  | { readonly kind: 'run'; readonly projectId: string; readonly runId: string }
  | { readonly kind: 'dataset'; readonly projectId: string; readonly datasetId: string }
  | { readonly kind: 'privacy'; readonly projectId: string };

function describe(r: ReportRef): { title: string; url: string; file: string } {
  switch (r.kind) {
    case 'run':
      return {
        title: `Linkage-quality report, run ${shortId(r.runId)}`,
        url: `/runs/${enc(r.runId)}/report.html`,
        file: `linkage-report-${r.runId}.html`,
      };
    case 'dataset':
      return {
        title: 'Data-quality report',
        url: `/projects/${enc(r.projectId)}/datasets/${enc(r.datasetId)}/quality.html`,
        file: `data-quality-${r.datasetId}.html`,
      };
    case 'privacy':
      return {
        title: 'Privacy-risk report',
        url: `/projects/${enc(r.projectId)}/privacy-report.html`,
        file: `privacy-risk-${r.projectId}.html`,
      };
  }
}

export async function reportPage(r: ReportRef): Promise<Child[]> {
  const d = describe(r);
  const html = await getText(d.url);
  const frame = h('iframe', { class: 'report', title: d.title, sandbox: '', referrerpolicy: 'no-referrer' });
  // The one place markup from the service is used as markup: the report page itself, built by
  // the service with every value escaped, rendered where it can run nothing.
  frame.srcdoc = html;
  const download = h('button', { type: 'button' }, 'Download this report (HTML)');
  download.addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' }));
    const a = h('a', { href: url, download: d.file });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  return [
    heading(d.title),
    h(
      'div',
      { class: 'toolbar' },
      link(['projects', r.projectId], '← Back to the project'),
      download,
      h('span', { class: 'hint' }, 'The file opens offline in any browser and prints.'),
    ),
    frame,
  ];
}
