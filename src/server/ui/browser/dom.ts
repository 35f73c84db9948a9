/**
 * Building the page without HTML strings: elements are created and their text set as text
 * nodes, so nothing the service returns (names, ids, audit details) can become markup.
 */

export type Child = Node | string | number | null | undefined | false;
type Handler = (e: Event) => void;
export type Props = Record<string, string | true | false | undefined | Handler>;

/** `h('a', { href: '#/x' }, 'text')`; `on…` props are event listeners, `true` an empty attribute. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') e.addEventListener(name.slice(2), value);
    else e.setAttribute(name, value === true ? '' : value);
  }
  append(e, children);
  return e;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (typeof c === 'string' || typeof c === 'number') {
      const t = document.createTextNode('');
      t.textContent = String(c);
      parent.appendChild(t);
    } else parent.appendChild(c);
  }
}

/**
 * A table with a caption, column heads (numeric ones right-aligned) and rows of cells, in a box
 * that scrolls sideways on a narrow screen rather than widening the page.
 */
export function table(
  caption: string,
  heads: readonly (string | { text: string; numeric: true })[],
  rows: readonly (readonly Child[])[],
): HTMLDivElement {
  const numeric = heads.map((hd) => typeof hd !== 'string');
  const t = h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...heads.map((hd, k) =>
          h(
            'th',
            { scope: 'col', class: numeric[k] ? 'n' : undefined },
            typeof hd === 'string' ? hd : hd.text,
          ),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      ...rows.map((row) =>
        h('tr', {}, ...row.map((cell, k) => h('td', { class: numeric[k] ? 'n' : undefined }, cell))),
      ),
    ),
  );
  return h('div', { class: 'scroll' }, t);
}

/** A page's main heading, focusable so that moving between pages announces it. */
export function heading(text: string): HTMLHeadingElement {
  return h('h1', { tabindex: '-1' }, text);
}

/** A link inside the UI (hash routes); the path segments are encoded. */
export function link(segments: readonly string[], text: string, props: Props = {}): HTMLAnchorElement {
  return h('a', { ...props, href: `#/${segments.map(encodeURIComponent).join('/')}` }, text);
}
