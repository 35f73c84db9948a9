/** Sign in: the user pastes a token; it is checked with GET /me before it is kept. */
import { ApiError, session, whoAmI } from './api.js';
import { type Child, h, heading } from './dom.js';

export function signInPage(notice?: string): Child[] {
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'token-hint',
  });
  const problem = h('p', { id: 'sign-in-problem', class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { 'aria-labelledby': 'sign-in-heading' },
    h('label', { for: 'token' }, 'API token'),
    h(
      'p',
      { id: 'token-hint', class: 'hint' },
      'Paste the token your service administrator gave you. It stays in this browser tab only and is sent to this service only.',
    ),
    input,
    h('p', {}, button),
    problem,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (token === '') {
      problem.textContent = 'Enter a token.';
      input.focus();
      return;
    }
    button.disabled = true;
    problem.textContent = '';
    whoAmI(token).then(
      (me) => {
        session.save(token, me);
        input.value = '';
        location.hash = '#/projects';
      },
      (err: unknown) => {
        button.disabled = false;
        problem.textContent =
          err instanceof ApiError && err.status === 401
            ? `The service refused this token: ${err.message}.`
            : `Could not sign in: ${err instanceof Error ? err.message : String(err)}.`;
        input.focus();
      },
    );
  });
  const title = heading('Sign in');
  title.id = 'sign-in-heading';
  return [
    title,
    h(
      'p',
      { class: 'lede' },
      'Read linkage, data-quality and privacy reports and the audit trail of your projects.',
    ),
    notice === undefined ? null : h('p', { class: 'error', role: 'alert' }, notice),
    form,
  ];
}
