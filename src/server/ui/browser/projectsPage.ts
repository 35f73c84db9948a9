/** The projects the signed-in organisation belongs to (all of them for an admin). */
import { getJson, type Project } from './api.js';
import { type Child, h, heading, link } from './dom.js';
import { when } from './format.js';

export async function projectsPage(): Promise<Child[]> {
  const { projects } = await getJson<{ projects: Project[] }>('/projects');
  return [
    heading('Projects'),
    projects.length === 0
      ? h('p', {}, 'Your organisation is not a member of any project yet.')
      : h(
          'ul',
          { class: 'plain' },
          ...projects.map((p) =>
            h(
              'li',
              {},
              link(['projects', p.id], p.name),
              h('span', { class: 'hint' }, ` — created ${when(p.createdAt)}`),
            ),
          ),
        ),
  ];
}
