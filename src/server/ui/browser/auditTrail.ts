/**
 * A project's audit trail, a page at a time, oldest first (the API pages forward from a
 * sequence number; earlier pages are remembered to go back).
 */
import { type AuditEntry, enc, getJson } from './api.js';
import { h, table } from './dom.js';
import { shortId, when } from './format.js';

const PAGE = 25;

export function auditTrail(projectId: string): HTMLElement {
  const body = h('div', { 'aria-live': 'polite' }, h('p', {}, 'Loading the audit trail…'));
  const starts: number[] = [];
  let after = 0;

  const load = async (afterSeq: number): Promise<void> => {
    const { entries } = await getJson<{ entries: AuditEntry[] }>(
      `/audit?projectId=${enc(projectId)}&afterSeq=${afterSeq}&limit=${PAGE}`,
    );
    after = afterSeq;
    render(entries);
  };
  const go = (afterSeq: number) => {
    load(afterSeq).catch((err: unknown) =>
      body.replaceChildren(h('p', { class: 'error' }, `Could not load the audit trail: ${String(err)}`)),
    );
  };

  const render = (entries: readonly AuditEntry[]): void => {
    if (entries.length === 0 && after === 0) {
      body.replaceChildren(h('p', {}, 'No entries yet.'));
      return;
    }
    const first = entries[0]?.seq;
    const last = entries.at(-1)?.seq;
    const previous = h('button', { type: 'button', class: 'secondary' }, '← Earlier entries');
    const next = h('button', { type: 'button', class: 'secondary' }, 'Later entries →');
    previous.disabled = starts.length === 0;
    next.disabled = entries.length < PAGE;
    previous.addEventListener('click', () => go(starts.pop() ?? 0));
    next.addEventListener('click', () => {
      starts.push(after);
      go(last ?? after);
    });
    body.replaceChildren(
      table(
        first === undefined ? 'No later entries' : `Entries ${first} to ${last}, oldest first`,
        [{ text: 'No.', numeric: true }, 'Time', 'Action', 'Target', 'Organisation', 'Detail'],
        entries.map((e) => [
          String(e.seq),
          h('span', { class: 'nowrap' }, when(e.at)),
          h('code', { class: 'nowrap' }, e.action),
          e.target === null ? '—' : h('code', { class: 'nowrap', title: e.target }, shortId(e.target)),
          e.organisationId === null
            ? 'the service'
            : h('code', { class: 'nowrap', title: e.organisationId }, shortId(e.organisationId)),
          detail(e.detail),
        ]),
      ),
      h('div', { class: 'pager', role: 'group', 'aria-label': 'Audit trail pages' }, previous, next),
    );
  };

  go(0);
  return h(
    'section',
    { 'aria-labelledby': 'audit-heading' },
    h('h2', { id: 'audit-heading' }, 'Audit trail'),
    body,
  );
}

/** Audit details are counts, ids, names and fingerprints: shown as `key: value` pairs. */
function detail(d: Readonly<Record<string, unknown>>): HTMLElement | string {
  const pairs = Object.entries(d);
  if (pairs.length === 0) return '—';
  return h(
    'dl',
    { class: 'detail' },
    ...pairs.map(([k, v]) =>
      h('div', {}, h('dt', {}, `${k}:`), h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))),
    ),
  );
}
