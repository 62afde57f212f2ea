import { escapeHtml } from '../auth/dev-idp/sign-in-page';

/*
 * The admin console's pages: plain server-rendered HTML and forms, no script at all (the CSP allows
 * none), so it works with a keyboard and a screen reader as the browser makes forms work, and
 * a form post is the only way to change anything (each carries the session's CSRF token).
 */

/** Every console page: never cached, never framed, no script, nothing from elsewhere, forms only to itself. */
export const CONSOLE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
};

/** Escapes text for HTML; the only way values reach a page. */
export const h = (v: unknown): string => escapeHtml(v === null || v === undefined ? '' : String(v));

/** A tagged template whose values are escaped unless they are already Html. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    const part = Array.isArray(v) ? v.map((x) => (x instanceof Html ? x.text : h(x))).join('') : v instanceof Html ? v.text : v === false || v === null || v === undefined ? '' : h(v);
    out += part + strings[i + 1]!;
  });
  return new Html(out);
}

const STYLE = `*{box-sizing:border-box}body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',Arial,sans-serif;margin:0;background:#f0f4f5;color:#212b32}
a{color:#005eb8}a:visited{color:#330072}a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid #ffeb3b;outline-offset:0;box-shadow:0 4px #212b32}
.skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:#ffeb3b;color:#212b32;padding:4px 8px;z-index:2}
header.top{background:#005eb8;color:#fff;padding:8px 24px;display:flex;align-items:center;gap:16px;flex-wrap:wrap}
header.top .brand{font-weight:700;font-size:18px;flex:1 1 30rem}header.top .who{margin-left:auto;display:flex;gap:12px;align-items:center}header.top form{display:inline}
header.top button{background:#fff;color:#005eb8;border:0;padding:4px 10px;border-radius:4px;font:inherit;font-weight:600;cursor:pointer}
nav.main{background:#003087;padding:0 24px}nav.main ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px}
nav.main a{display:block;color:#fff;padding:8px 12px;text-decoration:none;font-weight:600}nav.main a[aria-current=page]{background:#fff;color:#003087}
nav.main a:focus{color:#212b32;background:#ffeb3b}
main{max-width:1320px;margin:0 auto;padding:16px 24px}h1{font-size:26px;margin:8px 0 12px}h2{font-size:20px;margin:20px 0 8px}
.panel{background:#fff;border-radius:4px;padding:12px 16px;margin:0 0 16px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #d8dde0}
th{background:#e8f1fa;font-weight:700}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.flash{border-left:6px solid #007f3b;background:#e5f2ea;padding:8px 12px;margin:0 0 12px;font-weight:600}
.error{border-left:6px solid #d5281b;background:#fbeceb;padding:8px 12px;margin:0 0 12px;font-weight:600}
.warn{border-left:6px solid #ffb81c;background:#fff6da;padding:8px 12px;margin:8px 0}
.muted{color:#4c6272}.small{font-size:14px}.tag{display:inline-block;padding:0 6px;border-radius:3px;font-size:13px;font-weight:700;background:#4c6272;color:#fff}
.tag.open{background:#d5281b}.tag.ok{background:#007f3b}.tag.run{background:#005eb8}
label{font-weight:600;display:block;margin:6px 0 2px}input[type=text],input[type=url],input[type=date],input[type=time],input[type=search],select,textarea{font:inherit;padding:4px 6px;border:2px solid #4c6272;border-radius:0;max-width:100%}
textarea{width:100%}fieldset{border:1px solid #d8dde0;padding:8px 12px;margin:8px 0}legend{font-weight:700}
button,.button{font:inherit;font-weight:600;padding:5px 12px;border:0;border-radius:4px;background:#007f3b;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#005eb8;border:2px solid #005eb8;padding:3px 10px}button.danger{background:#d5281b}
.row{display:flex;gap:12px;flex-wrap:wrap;align-items:flex-end}.row>*{margin:0}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}.inline{display:inline}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}dl.facts dt{font-weight:700}dl.facts dd{margin:0}
.pager{margin:12px 0}`;

export function checkedAttr(on: boolean): Html {
  return new Html(on ? ' checked' : '');
}

export interface PageFrame {
  title: string;
  /** The nav entry to mark current. */
  section: 'reports' | 'corrections' | 'services' | 'imports' | 'taxonomy' | 'versions' | null;
  user: { displayName: string; csrfToken: string } | null;
  trustName?: string;
  flash?: string | null;
  error?: string | null;
  /** Reload this often while something runs (an import): seconds. */
  refreshSeconds?: number;
  openReports?: number;
}

const NAV: [NonNullable<PageFrame['section']>, string, string][] = [
  ['reports', '/console/reports', 'Reports'],
  ['corrections', '/console/corrections', 'Local corrections'],
  ['services', '/console/services', 'Services'],
  ['imports', '/console/imports', 'Imports'],
  ['taxonomy', '/console/taxonomy', 'Taxonomy mapping'],
  ['versions', '/console/versions', 'Published versions'],
];

export function csrfField(csrfToken: string): Html {
  return html`<input type="hidden" name="csrf" value="${csrfToken}">`;
}

export function page(frame: PageFrame, body: Html): string {
  const nav = frame.user
    ? html`<nav class="main" aria-label="Console"><ul>${NAV.map(
        ([id, href, label]) =>
          html`<li><a href="${href}"${new Html(frame.section === id ? ' aria-current="page"' : '')}>${label}${id === 'reports' && frame.openReports ? html` (${frame.openReports} open)` : ''}</a></li>`,
      )}</ul></nav>`
    : '';
  const who = frame.user
    ? html`<span class="who"><span>Signed in as <strong>${frame.user.displayName}</strong></span>
<form method="post" action="/console/sign-out">${csrfField(frame.user.csrfToken)}<button type="submit">Sign out</button></form></span>`
    : '';
  return html`<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${frame.refreshSeconds ? new Html(`<meta http-equiv="refresh" content="${frame.refreshSeconds}">`) : ''}
<title>${frame.title} – Crisis Desk directory console</title><style>${new Html(STYLE)}</style></head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><span class="brand">Crisis Desk · Directory console${frame.trustName ? html` · ${frame.trustName}` : ''}</span>${who}</header>
${nav}
<main id="main">
${frame.flash ? html`<p class="flash" role="status">${frame.flash}</p>` : ''}
${frame.error ? html`<p class="error" role="alert">${frame.error}</p>` : ''}
${body}
</main>
</body>
</html>`.text;
}

/** "Mon 7 Dec 2026 14:20" in London time. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}
