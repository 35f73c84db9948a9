/**
 * One project: its datasets (each with its data-quality report), its runs (succeeded ones with
 * their linkage report), the privacy-risk report and the audit trail.
 */
import { type Dataset, enc, getJson, type Me, type Project, type RunItem, readsReports } from './api.js';
import { auditTrail } from './auditTrail.js';
import { type Child, h, heading, link, table } from './dom.js';
import { count, shortId, when } from './format.js';

export async function projectPage(projectId: string, me: Me | null): Promise<Child[]> {
  const base = `/projects/${enc(projectId)}`;
  const [project, { datasets }, { runs }] = await Promise.all([
    getJson<Project>(base),
    getJson<{ datasets: Dataset[] }>(`${base}/datasets`),
    getJson<{ runs: RunItem[] }>(`${base}/runs`),
  ]);
  const reports = readsReports(me);
  const nameOf = new Map(datasets.map((d) => [d.id, d.name]));
  const reportNote = reports ? null : h('p', { class: 'hint' }, 'Reports are open to reviewers and admins.');

  const datasetSection = h(
    'section',
    { 'aria-labelledby': 'datasets-heading' },
    h('h2', { id: 'datasets-heading' }, 'Datasets'),
    reportNote,
    datasets.length === 0
      ? h('p', {}, 'No datasets have been uploaded yet.')
      : table(
          'Uploaded datasets and their data-quality reports',
          ['Dataset', { text: 'Records', numeric: true }, 'Uploaded', 'Report'],
          datasets.map((d) => [
            d.name,
            count(d.records),
            when(d.createdAt),
            reports
              ? link(['projects', projectId, 'datasets', d.id, 'quality'], 'Data quality', {
                  'aria-label': `Data-quality report of ${d.name}`,
                })
              : '—',
          ]),
        ),
  );

  const runSection = h(
    'section',
    { 'aria-labelledby': 'runs-heading' },
    h('h2', { id: 'runs-heading' }, 'Linkage runs'),
    runs.length === 0
      ? h('p', {}, 'No runs yet.')
      : table(
          'Runs, newest first',
          [
            'Run',
            'Mode',
            'Datasets',
            'State',
            'Finished',
            { text: 'Links', numeric: true },
            { text: 'People', numeric: true },
            'Report',
          ],
          runs.map((r) => [
            h('code', { class: 'nowrap', title: r.id }, shortId(r.id)),
            h('span', { class: 'nowrap' }, r.mode ?? '—'),
            r.datasets.map((id) => nameOf.get(id) ?? shortId(id)).join(' → '),
            h('span', { class: `state state-${r.state}` }, r.state),
            when(r.finishedAt),
            count(r.counts?.links),
            count(r.counts?.people),
            r.state === 'succeeded' && reports
              ? link(['projects', projectId, 'runs', r.id, 'report'], 'Linkage quality', {
                  'aria-label': `Linkage-quality report of run ${shortId(r.id)}`,
                })
              : '—',
          ]),
        ),
  );

  const privacySection = h(
    'section',
    { 'aria-labelledby': 'privacy-heading' },
    h('h2', { id: 'privacy-heading' }, 'Privacy risk'),
    reports
      ? h(
          'p',
          {},
          link(['projects', projectId, 'privacy'], 'Privacy-risk report'),
          ' — how the encodings of all datasets in this project resist frequency and pattern attacks.',
        )
      : reportNote,
  );

  return [
    heading(project.name),
    h('p', { class: 'lede' }, `Project created ${when(project.createdAt)}`),
    datasetSection,
    runSection,
    privacySection,
    me?.role === 'reviewer' || me?.role === 'admin'
      ? auditTrail(projectId)
      : h(
          'section',
          { 'aria-labelledby': 'audit-heading' },
          h('h2', { id: 'audit-heading' }, 'Audit trail'),
          h('p', { class: 'hint' }, 'The audit trail is open to reviewers and admins.'),
        ),
  ];
}
