import { hiddenFields } from './oidc-client';

/*
 * A browser as far as the admin console needs one, over real HTTP: it keeps cookies per path,
 * follows redirects itself (so each hop can be checked), signs in through the identity provider's
 * form, and posts forms with the fields the page gave.
 */
export class ConsoleBrowser {
  private cookies = new Map<string, { value: string; path: string }>();
  /** Every answer's status and address, in order. */
  readonly trail: { url: string; status: number }[] = [];

  constructor(readonly base: string) {}

  private cookieHeader(url: URL): string {
    return [...this.cookies.entries()]
      .filter(([, c]) => url.pathname.startsWith(c.path))
      .map(([k, c]) => `${k}=${c.value}`)
      .join('; ');
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  private keep(r: Response) {
    for (const line of r.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const gone = attrs.some((a) => /^max-age=0$/i.test(a));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, { value, path });
    }
  }

  /** Fetches and follows redirects (303 → GET), sending the origin header as a browser does for posts. */
  async go(path: string, init: { method?: string; form?: Record<string, string> | URLSearchParams; body?: FormData; origin?: string | null } = {}): Promise<{ status: number; url: string; html: string; headers: Headers }> {
    let url = new URL(path, this.base);
    let method = init.method ?? (init.form || init.body ? 'POST' : 'GET');
    let body: BodyInit | undefined = init.body ?? (init.form ? new URLSearchParams(init.form) : undefined);
    for (let hops = 0; hops < 10; hops++) {
      const headers: Record<string, string> = { accept: 'text/html' };
      const c = this.cookieHeader(url);
      if (c) headers.cookie = c;
      if (method === 'POST' && init.origin !== null) headers.origin = init.origin ?? new URL(this.base).origin;
      const r = await fetch(url, { method, headers, body, redirect: 'manual' });
      this.keep(r);
      this.trail.push({ url: url.toString(), status: r.status });
      if (r.status >= 300 && r.status < 400 && r.headers.get('location')) {
        url = new URL(r.headers.get('location')!, url);
        if (r.status === 303 || ((r.status === 301 || r.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return { status: r.status, url: url.toString(), html: await r.text(), headers: r.headers };
    }
    throw new Error(`Too many redirects from ${path}`);
  }

  /** Opens the console and signs in at the identity provider's form as this user. */
  async signIn(username: string, password: string, path = '/console/reports') {
    const page = await this.go(path);
    if (!page.url.includes('/oidc/authorize')) return page;
    const form = new URLSearchParams({ ...hiddenFields(page.html), username, password });
    return this.go(new URL('authorize', page.url).toString(), { form });
  }
}

/** The console's CSRF token from a page's form. */
export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('No CSRF token on the page');
  return m[1]!;
}
