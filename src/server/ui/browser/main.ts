/**
 * The reviewer UI: hash routes (#/projects, #/projects/<id>, …/runs/<id>/report,
 * …/datasets/<id>/quality, …/privacy) rendered into <main>. A page replaces the previous one
 * only if no newer navigation started meanwhile; its heading then takes focus, so keyboard and
 * screen-reader users land on the new content.
 */
import { ApiError, session } from './api.js';
import { append, type Child, h, heading, link } from './dom.js';
import { projectPage } from './projectPage.js';
import { projectsPage } from './projectsPage.js';
import { reportPage } from './reportPage.js';
import { signInPage } from './signInPage.js';

const main = document.getElementById('main')!;
const account = document.getElementById('account')!;
const status = document.getElementById('status')!;
let navigation = 0;

function show(nodes: readonly Child[]): void {
  main.replaceChildren();
  append(main, nodes);
  const h1 = main.querySelector('h1');
  document.title = `${h1?.textContent ?? 'cohortlink'} — cohortlink reviewer`;
  h1?.focus();
}

function renderAccount(): void {
  const me = session.me();
  if (me === null) {
    account.replaceChildren();
    return;
  }
  const signOut = h('button', { type: 'button' }, 'Sign out');
  signOut.addEventListener('click', () => {
    session.clear();
    location.hash = '#/';
    void route();
  });
  account.replaceChildren(
    link(['projects'], 'Projects'),
    h('span', {}, `${me.organisationName} (${me.role})`),
    signOut,
  );
}

/** The page for a hash: path segments after `#/`. */
function page(parts: readonly string[]): Promise<Child[]> {
  const me = session.me();
  const [top, projectId, sub, id, leaf] = parts;
  if (parts.length === 0 || (top === 'projects' && parts.length === 1)) return projectsPage();
  if (top === 'projects' && projectId !== undefined) {
    if (parts.length === 2) return projectPage(projectId, me);
    if (sub === 'runs' && id !== undefined && leaf === 'report' && parts.length === 5)
      return reportPage({ kind: 'run', projectId, runId: id });
    if (sub === 'datasets' && id !== undefined && leaf === 'quality' && parts.length === 5)
      return reportPage({ kind: 'dataset', projectId, datasetId: id });
    if (sub === 'privacy' && parts.length === 3) return reportPage({ kind: 'privacy', projectId });
  }
  return Promise.resolve([heading('Page not found'), h('p', {}, link(['projects'], 'Go to your projects'))]);
}

async function route(): Promise<void> {
  const mine = ++navigation;
  renderAccount();
  if (session.token() === null) {
    show(signInPage());
    return;
  }
  const parts = location.hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  status.textContent = 'Loading…';
  try {
    const nodes = await page(parts);
    if (mine === navigation) show(nodes);
  } catch (err) {
    if (mine !== navigation) return;
    if (err instanceof ApiError && err.status === 401) {
      session.clear();
      renderAccount();
      show(signInPage(`Please sign in again: ${err.message}.`));
    } else show(failure(err));
  } finally {
    if (mine === navigation) status.textContent = '';
  }
}

function failure(err: unknown): Child[] {
  const why =
    err instanceof ApiError
      ? err.status === 403
        ? `Your role may not see this: ${err.message}.`
        : err.status === 409
          ? `Not available yet: ${err.message}.`
          : `${err.message} (${err.code}).`
      : `Something went wrong: ${err instanceof Error ? err.message : String(err)}.`;
  return [
    heading('Could not open this page'),
    h('p', { class: 'error' }, why),
    h('p', {}, link(['projects'], 'Back to your projects')),
  ];
}

window.addEventListener('hashchange', () => void route());
void route();
