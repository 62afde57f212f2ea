import type { AuthorizationParams } from './authorization-request';

/** A user the sign-in page offers in demo mode. */
export interface ListedUser {
  username: string;
  displayName: string;
  trustName: string;
  roles: string[];
}

export interface SignInPage {
  clientName: string;
  /** The authorization request, carried through the form unchanged (it is checked again on post). */
  params: AuthorizationParams;
  /** Demo mode: the users to choose from; otherwise the username is typed. */
  users: ListedUser[] | null;
  demoPassword: string | null;
  username?: string;
  error?: string;
}

/** Headers for every page: never cached, never framed, no scripts, nothing loaded from elsewhere. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

const STYLE = `body{font:1.125rem/1.5 system-ui,sans-serif;margin:0;background:#f0f4f5;color:#212b32}
main{max-width:36rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-radius:4px}
h1{font-size:1.75rem;margin-top:0}fieldset{border:0;padding:0;margin:0 0 1rem}legend,label{font-weight:600}
.user{display:block;font-weight:400;margin:.4rem 0}.user small{display:block;margin-left:1.6rem;color:#4c6272}
input[type=text],input[type=password]{display:block;width:100%;box-sizing:border-box;font:inherit;padding:.4rem;margin:.3rem 0 1rem;border:2px solid #4c6272}
input:focus,button:focus{outline:3px solid #ffeb3b;outline-offset:0}
button{font:inherit;font-weight:600;padding:.5rem 1.2rem;background:#007f3b;color:#fff;border:0;border-radius:4px;cursor:pointer}
.error{border-left:5px solid #d5281b;padding-left:1rem;color:#d5281b;font-weight:600}.hint{color:#4c6272}`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – Crisis Desk</title><style>${STYLE}</style></head>
<body><main>
${body}
</main></body>
</html>`;
}

export function renderSignInPage(page: SignInPage): string {
  const describedBy = page.error ? ' aria-describedby="error" aria-invalid="true"' : '';
  const error = page.error ? `<p class="error" id="error" role="alert">${escapeHtml(page.error)}</p>` : '';
  const hidden = Object.entries(page.params)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  const who = page.users
    ? `<fieldset${describedBy}><legend>Sign in as</legend>
${page.users
  .map(
    (u, i) => `<label class="user"><input type="radio" name="username" value="${escapeHtml(u.username)}"${u.username === page.username || (!page.username && i === 0) ? ' checked' : ''} required> ${escapeHtml(u.username)}
<small>${escapeHtml(u.displayName)}, ${escapeHtml(u.roles.join(', ').replace(/_/g, ' '))}, ${escapeHtml(u.trustName)}</small></label>`,
  )
  .join('\n')}
</fieldset>`
    : `<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escapeHtml(page.username ?? '')}"${describedBy}>`;
  const hint = page.demoPassword ? `<p class="hint">Demonstration accounts: the password is <strong>${escapeHtml(page.demoPassword)}</strong>.</p>` : '';
  return layout(
    'Sign in',
    `<h1>Sign in to ${escapeHtml(page.clientName)}</h1>
<p>Development sign-in service of this Crisis Desk server.</p>
${error}
<form method="post" action="authorize">
${hidden}
${who}
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required autofocus${describedBy}>
${hint}
<button type="submit">Sign in</button>
</form>`,
  );
}

export function renderProblemPage(message: string): string {
  return layout('Cannot sign in', `<h1>Cannot sign in</h1>\n<p class="error" role="alert">${escapeHtml(message)}</p>`);
}
