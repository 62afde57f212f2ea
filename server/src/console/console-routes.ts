import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest, InjectOptions } from 'fastify';
import type { ImportJob, ImportRecordLine } from '../../../shared/directory/import-report';
import type { CorrectionView, ReportPage, ReportView, ServiceDetail, VersionView } from '../../../shared/directory/quality-api';
import type { TaxonomyMapping } from '../../../shared/directory/taxonomy-schema';
import { CORRECTION_KIND_LABELS, REPORT_KIND_LABELS, RESOLUTION_LABELS, type CorrectionChange } from '../../../shared/domain/directory-quality';
import { SERVICE_TYPE_LABELS, SERVICE_TYPES } from '../../../shared/domain/service-types';
import type { RouteModule, ServerDeps } from '../app';
import { ConsoleAuth, ConsoleSignInError, secondsLeft } from './console-auth';
import { checkedAttr, CONSOLE_HEADERS, csrfField, html, Html, page, when, type PageFrame } from './console-html';
import { CONSOLE_COOKIE, CONSOLE_IDLE_MS, CONSOLE_MAX_MS, ConsoleSessions, sameToken, type ConsoleUser } from './console-session';

/*
 * The admin console for a trust's directory leads, served by the central API at
 * /console: imports (a URL or an uploaded file, progress, the per-record report, a held withdrawal
 * confirmed or refused), the taxonomy mapping, the queue of clinicians' reports and their
 * resolution, local corrections, and the published versions with what each changed.
 *
 * It is a thin face on the admin API: every page reads, and every form posts to, the same
 * /v1/admin routes desks' tools use (in-process, with the lead's own access token), so the
 * checks, the tenancy and the publishing are the API's own, and nothing is implemented twice.
 * Signing in is OIDC code + PKCE at the same provider (console-auth.ts); the session is a
 * server-side row named by an HttpOnly cookie (console-session.ts). Every form carries the
 * session's CSRF token and must come from this origin (Origin or Referer), and the cookie is
 * SameSite=Lax, so another site can neither read a page nor post a form as the lead.
 */

const PATH = '/console';
const hide = { hide: true } as const;

class SignInAgain extends Error {}

interface Ctx {
  secret: string;
  user: ConsoleUser;
  trustName: string;
  openReports: number;
}

type Form = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
const many = (v: string | string[] | undefined): string[] => (Array.isArray(v) ? v : v ? [v] : []);

/** Fixed messages a redirect may ask a page to show (never text from the address bar). */
const FLASH: Record<string, string> = {
  resolved: 'Report resolved. It leaves every desk of the trust at their next catch-up.',
  corrected: 'Local correction published to every desk of the trust.',
  removed: 'Local correction removed: the service is published as its feed gives it again.',
  taxonomy: 'Taxonomy mapping saved. The next import uses it.',
  confirmed: 'Import confirmed: published with the withdrawals it listed.',
  refused: 'Import refused: nothing of it was published.',
  started: 'Import started.',
  signed_out: 'Signed out.',
};

function readCookie(request: FastifyRequest): string | null {
  const m = /(?:^|;\s*)cd_console=([A-Za-z0-9_-]{20,100})(?:;|$)/.exec(request.headers.cookie ?? '');
  return m ? m[1]! : null;
}

function cookie(secret: string, secure: boolean, maxAgeMs: number): string {
  // Lax, not Strict: the provider's redirect back to /console/callback is a cross-site navigation.
  return `${CONSOLE_COOKIE}=${secret}; Path=${PATH}; HttpOnly; SameSite=Lax; Max-Age=${Math.floor(maxAgeMs / 1000)}${secure ? '; Secure' : ''}`;
}

/** An error from the API, in its own words. */
function apiMessage(body: string): string {
  try {
    const b = JSON.parse(body) as { message?: string };
    return b.message ?? 'The server refused this.';
  } catch {
    return 'The server refused this.';
  }
}

const statusTag = (s: ImportJob['status']) => {
  const cls = s === 'running' ? 'run' : s === 'published' ? 'ok' : s === 'awaiting_confirmation' || s === 'failed' ? 'open' : '';
  return html`<span class="tag ${cls}">${s.replace(/_/g, ' ')}</span>`;
};

export function createConsoleRoutes(): RouteModule {
  return async (root, deps: ServerDeps) => {
    const sessions = new ConsoleSessions(deps.db);
    const auth = new ConsoleAuth(root, deps);
    const secure = deps.config.publicUrl.startsWith('https:');
    const origin = new URL(deps.config.publicUrl).origin;
    const sweep = setInterval(() => void sessions.sweep().catch(() => {}), CONSOLE_IDLE_MS);
    sweep.unref();
    root.addHook('onClose', async () => clearInterval(sweep));

    const send = (reply: FastifyReply, status: number, frame: PageFrame, body: Html) => reply.code(status).headers(CONSOLE_HEADERS).send(page(frame, body));
    const frameOf = (ctx: Ctx, section: PageFrame['section'], title: string, extra: Partial<PageFrame> = {}): PageFrame => ({
      title,
      section,
      user: ctx.user,
      trustName: ctx.trustName,
      openReports: ctx.openReports,
      ...extra,
    });

    /** The admin API, as the signed-in lead (their own token, refreshed when it runs out). */
    const api = async (ctx: Ctx, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, extra: Partial<InjectOptions> = {}) => {
      if (secondsLeft(ctx.user.tokens.accessToken) < 30) await renew(ctx);
      const call = () =>
        root.inject({
          method,
          url,
          headers: { authorization: `Bearer ${ctx.user.tokens.accessToken}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...(extra.headers ?? {}) },
          ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
          ...(extra.payload !== undefined ? { payload: extra.payload } : {}),
        });
      let r = await call();
      if (r.statusCode === 401 && extra.payload === undefined) {
        await renew(ctx);
        r = await call();
      }
      if (r.statusCode === 401) throw new SignInAgain();
      return r;
    };
    const renew = async (ctx: Ctx) => {
      const t = ctx.user.tokens.refreshToken ? await auth.refresh(ctx.user.tokens.refreshToken) : null;
      if (!t) throw new SignInAgain();
      ctx.user.tokens = t;
      await sessions.replaceTokens(ctx.secret, t);
    };
    const json = async <T>(ctx: Ctx, url: string): Promise<T> => {
      const r = await api(ctx, 'GET', url);
      if (r.statusCode !== 200) throw new ApiRefused(r.statusCode, apiMessage(r.body));
      return r.json() as T;
    };

    /** The signed-in lead, or a redirect to sign in (or a refusal for someone without the admin role). */
    const signedIn = async (request: FastifyRequest, reply: FastifyReply): Promise<Ctx | null> => {
      const secret = readCookie(request);
      const user = secret ? await sessions.current(secret) : null;
      if (!secret || !user) {
        const back = request.method === 'GET' ? request.url : PATH;
        await reply.redirect(`${PATH}/sign-in?return=${encodeURIComponent(back)}`, 303);
        return null;
      }
      const [t] = await deps.db.query<{ name: string }>('SELECT name FROM trust WHERE id = $1', [user.trustId]);
      const [o] = await deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM directory_report WHERE trust_id = $1 AND resolution IS NULL', [user.trustId]);
      return { secret, user, trustName: t?.name ?? user.trustId, openReports: o?.n ?? 0 };
    };

    /** A form post: only from this origin, and with the session's CSRF token. */
    const checkForm = (request: FastifyRequest, ctx: Ctx, form: Form): boolean => {
      const from = request.headers.origin ?? (request.headers.referer ? safeOrigin(request.headers.referer) : null);
      const sameOrigin = from === origin || from === `${request.protocol}://${request.host}`;
      return sameOrigin && sameToken(one(form.csrf), ctx.user.csrfToken);
    };

    await root.register(async (app) => {
      await app.register(formbody, { bodyLimit: 1024 * 1024 });
      await app.register(multipart, { limits: { files: 1, fields: 10, fileSize: deps.config.IMPORT_MAX_BYTES } });

      app.setErrorHandler(async (error, request, reply) => {
        if (error instanceof SignInAgain) {
          const secret = readCookie(request);
          if (secret) await sessions.end(secret);
          return reply.redirect(`${PATH}/sign-in?return=${encodeURIComponent(request.method === 'GET' ? request.url : PATH)}`, 303);
        }
        if (error instanceof ConsoleSignInError) {
          // The provider could not be reached to renew the lead's token: they stay signed in (the
          // session is kept), and the page they asked for works again once it answers.
          return send(reply, 503, { title: 'Cannot reach the identity provider', section: null, user: null, error: error.message }, html`<p><a href="${request.method === 'GET' ? request.url : `${PATH}/reports`}">Try again</a></p>`);
        }
        if (error instanceof ApiRefused) {
          return send(reply, error.status === 404 ? 404 : 400, { title: 'Not possible', section: null, user: null, error: error.message }, html`<p><a href="${PATH}/reports">Back to the console</a></p>`);
        }
        const status = (error as { statusCode?: number }).statusCode ?? 500;
        if (status >= 500) request.log.error({ err: { type: (error as Error).name } }, 'console page failed');
        return send(
          reply,
          status >= 400 && status < 600 ? status : 500,
          { title: 'Something went wrong', section: null, user: null, error: status < 500 ? 'This request could not be read. Go back and try again.' : 'Something went wrong on the server. Try again; if it persists, call IT.' },
          html`<p><a href="${PATH}/reports">Back to the console</a></p>`,
        );
      });

      // ---- signing in and out -------------------------------------------------------------
      app.get(`${PATH}/sign-in`, { schema: hide }, async (request, reply) => {
        const q = request.query as { return?: string };
        const back = typeof q.return === 'string' && q.return.startsWith(`${PATH}/`) && !q.return.startsWith('//') ? q.return.slice(0, 500) : `${PATH}/reports`;
        try {
          const { secret, pending } = await sessions.startSignIn(back);
          const to = await auth.authorizeUrl(pending.state, pending.verifier);
          return reply.header('set-cookie', cookie(secret, secure, 10 * 60_000)).header('cache-control', 'no-store').redirect(to, 303);
        } catch (e) {
          if (!(e instanceof ConsoleSignInError)) throw e;
          return send(reply, 502, { title: 'Cannot sign in', section: null, user: null, error: e.message }, html`<p><a href="${PATH}/sign-in">Try again</a></p>`);
        }
      });

      app.get(`${PATH}/callback`, { schema: hide }, async (request, reply) => {
        const q = request.query as Record<string, string | undefined>;
        const secret = readCookie(request);
        const pending = secret ? await sessions.takePending(secret) : null;
        const again = html`<p><a class="button" href="${PATH}/sign-in">Sign in again</a></p>`;
        const fail = (message: string, status = 400) => send(reply, status, { title: 'Cannot sign in', section: null, user: null, error: message }, again);
        if (!pending) return fail('This sign-in has expired or was started in another browser. Sign in again.');
        if (typeof q.state !== 'string' || !sameToken(q.state, pending.state)) return fail('This sign-in answer does not match the sign-in this browser started. Sign in again.');
        if (q.error) return fail(`The identity provider refused the sign-in${q.error_description ? `: ${q.error_description}` : '.'}`);
        if (typeof q.code !== 'string' || q.code.length > 2000) return fail('The identity provider sent no code back. Sign in again.');
        try {
          const { principal, tokens } = await auth.complete(new URL(request.url, 'http://console.invalid').searchParams, pending.verifier);
          if (!principal.roles.includes('admin')) {
            await auth.revoke(tokens);
            return fail('The directory console is for the trust’s directory leads: your account does not have the admin role. Ask IT to give it to you if you need it.', 403);
          }
          const s = await sessions.signIn({ userId: principal.userId, trustId: principal.trustId, displayName: principal.displayName || principal.userId, tokens });
          return reply.header('set-cookie', cookie(s.secret, secure, CONSOLE_MAX_MS)).redirect(pending.returnTo, 303);
        } catch (e) {
          if (!(e instanceof ConsoleSignInError)) throw e;
          return fail(e.message, 502);
        }
      });

      app.post(`${PATH}/sign-out`, { schema: hide }, async (request, reply) => {
        const ctx = await signedIn(request, reply);
        if (!ctx) return reply;
        if (!checkForm(request, ctx, request.body as Form)) return refusedForm(reply);
        await sessions.end(ctx.secret);
        await auth.revoke(ctx.user.tokens);
        return reply
          .header('set-cookie', cookie('x'.repeat(20), secure, 0))
          .code(200)
          .headers(CONSOLE_HEADERS)
          .send(page({ title: 'Signed out', section: null, user: null, flash: FLASH.signed_out }, html`<p><a class="button" href="${PATH}/sign-in">Sign in again</a></p>`));
      });

      const refusedForm = (reply: FastifyReply) =>
        send(reply, 403, { title: 'Refused', section: null, user: null, error: 'This form did not come from this console’s own page (or the page is too old). Nothing was changed. Go back, reload the page and try again.' }, html`<p><a href="${PATH}/reports">Back to the console</a></p>`);

      /** A GET page: signed in, then the page. */
      const view = (path: string, render: (ctx: Ctx, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
        app.get(path, { schema: hide }, async (request, reply) => {
          const ctx = await signedIn(request, reply);
          if (!ctx) return reply;
          return render(ctx, request, reply);
        });
      /** A form post: signed in, same origin and CSRF token, then the action. */
      const action = (path: string, act: (ctx: Ctx, form: Form, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
        app.post(path, { schema: hide }, async (request, reply) => {
          const ctx = await signedIn(request, reply);
          if (!ctx) return reply;
          const form = (request.body ?? {}) as Form;
          if (!checkForm(request, ctx, form)) return refusedForm(reply);
          return act(ctx, form, request, reply);
        });
      const flashOf = (request: FastifyRequest) => FLASH[(request.query as { said?: string }).said ?? ''] ?? null;

      app.get(PATH, { schema: hide }, async (_request, reply) => reply.redirect(`${PATH}/reports`, 303));

      // ---- the report queue ---------------------------------------------------------------
      const reportRow = (ctx: Ctx, r: ReportView, back: string) => html`<tr>
<td>${when(r.reportedAt)}</td>
<td><a href="${PATH}/services/${encodeURIComponent(r.serviceId)}">${r.serviceName}</a>${r.servicePublished ? '' : html` <span class="tag">withdrawn</span>`}</td>
<td><strong>${REPORT_KIND_LABELS[r.kind]}</strong>${r.phone ? html`<br><span class="small">${r.phone}</span>` : ''}${r.note ? html`<br><span class="small">“${r.note}”</span>` : ''}</td>
<td>${r.reportedBy.displayName}${r.team ? html`<br><span class="small muted">${r.team.name}</span>` : ''}</td>
<td>${
        r.resolution
          ? html`<span class="tag ok">${RESOLUTION_LABELS[r.resolution.kind]}</span><br><span class="small">by ${r.resolution.by.displayName}, ${when(r.resolution.at)}${r.resolution.note ? html`: “${r.resolution.note}”` : ''}</span>`
          : html`<form method="post" action="${PATH}/reports/${r.id}/resolve">${csrfField(ctx.user.csrfToken)}<input type="hidden" name="back" value="${back}">
<label for="note-${r.id}" class="small">Note (optional)</label><input type="text" id="note-${r.id}" name="note" maxlength="500">
<div class="row" role="group" aria-label="Resolve the report on ${r.serviceName}">
<button type="submit" name="resolution" value="fixed_in_feed">Fixed in the feed</button>
<button type="submit" name="resolution" value="dismissed" class="secondary">Dismiss</button>
<a href="${PATH}/services/${encodeURIComponent(r.serviceId)}?report=${r.id}#correct">Correct locally…</a></div></form>`
      }</td></tr>`;

      const reportTable = (ctx: Ctx, reports: ReportView[], back: string, caption: string) =>
        reports.length === 0
          ? html`<p class="panel">No reports here.</p>`
          : html`<table><caption class="muted" style="text-align:left">${caption}</caption><thead><tr><th scope="col">Reported</th><th scope="col">Service</th><th scope="col">Problem</th><th scope="col">By</th><th scope="col">Resolution</th></tr></thead>
<tbody>${reports.map((r) => reportRow(ctx, r, back))}</tbody></table>`;

      view(`${PATH}/reports`, async (ctx, request, reply) => {
        const q = request.query as { status?: string; before?: string };
        const status = q.status === 'resolved' || q.status === 'all' ? q.status : 'open';
        const params = new URLSearchParams({ status, limit: '50', ...(q.before ? { before: q.before } : {}) });
        const p = await json<ReportPage>(ctx, `/v1/admin/directory/reports?${params}`);
        const tabs = (['open', 'resolved', 'all'] as const).map((s) => html`<a href="${PATH}/reports?status=${s}"${new Html(s === status ? ' aria-current="true"' : '')}>${s === 'open' ? `Open (${p.open})` : s === 'resolved' ? 'Resolved' : 'All'}</a> `);
        return send(
          reply,
          200,
          frameOf(ctx, 'reports', 'Reported problems', { flash: flashOf(request) }),
          html`<h1>Problems reported by clinicians</h1>
<p class="muted">Each open report is shown on its service on every desk of the trust until you resolve it. Resolve as fixed in the feed (the next import carries the fix), corrected locally (publish a correction now), or dismissed.</p>
<p>${tabs}</p>
${reportTable(ctx, p.reports, `${PATH}/reports?status=${status}`, `${status === 'open' ? 'Open' : status === 'resolved' ? 'Resolved' : 'All'} reports, newest first`)}
${p.next ? html`<p class="pager"><a href="${PATH}/reports?status=${status}&amp;before=${encodeURIComponent(p.next)}">Older reports</a></p>` : ''}`,
        );
      });

      action(`${PATH}/reports/:id/resolve`, async (ctx, form, request, reply) => {
        const id = (request.params as { id: string }).id;
        const resolution = one(form.resolution);
        const note = one(form.note);
        const r = await api(ctx, 'POST', `/v1/admin/directory/reports/${encodeURIComponent(id)}/resolve`, { resolution, ...(note ? { note } : {}) });
        if (r.statusCode !== 200) throw new ApiRefused(r.statusCode, apiMessage(r.body));
        const back = one(form.back);
        return reply.redirect(`${back.startsWith(`${PATH}/`) ? back.replace(/[?&]said=[a-z_]+/, '') : `${PATH}/reports`}${back.includes('?') ? '&' : '?'}said=resolved`, 303);
      });

      // ---- services and correcting one ----------------------------------------------------
      view(`${PATH}/services`, async (ctx, request, reply) => {
        const q = ((request.query as { q?: string }).q ?? '').slice(0, 200);
        const list = await json<{ services: { id: string; name: string; organisation: string; type: (typeof SERVICE_TYPES)[number]; status: string; openReports: number; corrections: number }[] }>(
          ctx,
          `/v1/admin/directory/services?${new URLSearchParams({ ...(q ? { q } : {}), limit: '50' })}`,
        );
        return send(
          reply,
          200,
          frameOf(ctx, 'services', 'Services'),
          html`<h1>Published services</h1>
<form method="get" action="${PATH}/services" class="row" role="search"><div><label for="q">Find a service by name, organisation or id</label><input type="search" id="q" name="q" value="${q}" size="40"></div><button type="submit">Find</button></form>
<table><caption class="muted" style="text-align:left">${list.services.length} service${list.services.length === 1 ? '' : 's'}</caption><thead><tr><th scope="col">Service</th><th scope="col">Organisation</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col" class="num">Open reports</th><th scope="col" class="num">Corrections</th></tr></thead><tbody>
${list.services.map(
  (s) => html`<tr><td><a href="${PATH}/services/${encodeURIComponent(s.id)}">${s.name}</a><br><span class="small muted">${s.id}</span></td><td>${s.organisation}</td><td>${SERVICE_TYPE_LABELS[s.type] ?? s.type}</td><td>${s.status.replace(/_/g, ' ')}</td><td class="num">${s.openReports}</td><td class="num">${s.corrections}</td></tr>`,
)}</tbody></table>`,
        );
      });

      const correctionForms = (ctx: Ctx, s: ServiceDetail, open: ReportView[], answering: string | null) => {
        const action = `${PATH}/services/${encodeURIComponent(s.id)}/corrections`;
        const reportsBox = open.length
          ? html`<fieldset><legend>Open reports this answers (resolved as corrected locally)</legend>${open.map(
              (r) => html`<label style="font-weight:400"><input type="checkbox" name="reportIds" value="${r.id}"${checkedAttr(r.id === answering)}> ${REPORT_KIND_LABELS[r.kind]}, ${when(r.reportedAt)}${r.phone ? ` (${r.phone})` : ''}</label>`,
            )}</fieldset>`
          : '';
        const form = (kind: CorrectionChange['kind'], fields: Html) => html`<form method="post" action="${action}" class="panel">${csrfField(ctx.user.csrfToken)}<input type="hidden" name="kind" value="${kind}">
<h3>${CORRECTION_KIND_LABELS[kind]}</h3>${fields}${reportsBox}<p><button type="submit">Publish this correction</button></p></form>`;
        const phones = s.published.phones;
        return html`<h2 id="correct">Correct this service locally</h2>
<p class="muted">A local correction is published to every desk of the trust at once and stays on top of every later import of the feed until you remove it (a closure or dated hours lapse after their last day).</p>
<div class="grid2">
${form('phone_not_working', html`<label for="pn-number">Number</label><select id="pn-number" name="number">${phones.map((p) => html`<option value="${p.number}">${p.number}${p.label ? ` (${p.label})` : ''}</option>`)}</select>
<label for="pn-note">Note shown with it (optional)</label><input type="text" id="pn-note" name="note" maxlength="300" size="40">`)}
${form('closure', html`<label for="cl-alert">Alert shown with the closure: why, and what to do instead</label><textarea id="cl-alert" name="alert" rows="2" maxlength="500" required></textarea>
<label for="cl-until">Closed until (last day, optional)</label><input type="date" id="cl-until" name="until">`)}
${form('hours_exception', html`<div class="row"><div><label for="hx-from">From</label><input type="date" id="hx-from" name="from" required></div><div><label for="hx-to">To</label><input type="date" id="hx-to" name="to" required></div></div>
<div class="row"><div><label for="hx-opens">Opens (empty: closed)</label><input type="time" id="hx-opens" name="opens"></div><div><label for="hx-closes">Closes</label><input type="time" id="hx-closes" name="closes"></div></div>
<label for="hx-note">Note (optional)</label><input type="text" id="hx-note" name="note" maxlength="300" size="40">`)}
${form('alert', html`<label for="al-text">Alert text shown on the service</label><textarea id="al-text" name="text" rows="2" maxlength="500" required></textarea>`)}
</div>`;
      };

      view(`${PATH}/services/:id`, async (ctx, request, reply) => {
        const id = (request.params as { id: string }).id;
        const answering = (request.query as { report?: string }).report ?? null;
        const s = await json<ServiceDetail>(ctx, `/v1/admin/directory/services/${encodeURIComponent(id)}`);
        const reports = await json<ReportPage>(ctx, `/v1/admin/directory/reports?${new URLSearchParams({ status: 'all', serviceId: id, limit: '50' })}`);
        const corrections = await json<{ corrections: CorrectionView[] }>(ctx, `/v1/admin/directory/corrections?${new URLSearchParams({ status: 'all', serviceId: id })}`);
        const open = reports.reports.filter((r) => !r.resolution);
        const p = s.published;
        return send(
          reply,
          200,
          frameOf(ctx, 'services', p.name, { flash: flashOf(request) }),
          html`<h1>${p.name}</h1>
<div class="panel"><dl class="facts"><dt>Id</dt><dd>${s.id} (feed ${s.source}, version ${s.version})</dd><dt>Organisation</dt><dd>${p.organisation.name}</dd><dt>Type</dt><dd>${SERVICE_TYPE_LABELS[p.type]}</dd>
<dt>Status as desks have it</dt><dd>${p.status.replace(/_/g, ' ')}${s.feed && s.feed.status !== p.status ? html` <span class="muted">(the feed says ${s.feed.status.replace(/_/g, ' ')})</span>` : ''}</dd>
<dt>Numbers</dt><dd>${p.phones.map((ph) => html`${ph.number}${ph.notWorking ? html` <span class="tag open">marked not working</span>` : ''}${ph.label ? html` <span class="muted">${ph.label}</span>` : ''}<br>`)}</dd>
${p.alert ? html`<dt>Alert</dt><dd>${p.alert}</dd>` : ''}</dl></div>
<h2>Reports on this service</h2>
${reportTable(ctx, reports.reports, `${PATH}/services/${encodeURIComponent(id)}`, 'Every report on this service, newest first')}
<h2>Local corrections</h2>
${correctionTable(ctx, corrections.corrections, `${PATH}/services/${encodeURIComponent(id)}`)}
${correctionForms(ctx, s, open, answering)}`,
        );
      });

      action(`${PATH}/services/:id/corrections`, async (ctx, form, request, reply) => {
        const id = (request.params as { id: string }).id;
        const kind = one(form.kind);
        const note = one(form.note);
        let change: Record<string, unknown>;
        if (kind === 'phone_not_working') change = { kind, number: one(form.number), ...(note ? { note } : {}) };
        else if (kind === 'closure') change = { kind, alert: one(form.alert), until: one(form.until) || null };
        else if (kind === 'hours_exception') {
          const opens = one(form.opens);
          const closes = one(form.closes);
          change = { kind, from: one(form.from), to: one(form.to), sessions: opens || closes ? [{ opens, closes }] : [], ...(note ? { note } : {}) };
        } else change = { kind: 'alert', text: one(form.text) };
        const reportIds = many(form.reportIds);
        const r = await api(ctx, 'POST', '/v1/admin/directory/corrections', { serviceId: id, change, ...(reportIds.length ? { reportIds } : {}) });
        if (r.statusCode !== 201) throw new ApiRefused(r.statusCode, apiMessage(r.body));
        return reply.redirect(`${PATH}/services/${encodeURIComponent(id)}?said=corrected`, 303);
      });

      // ---- local corrections --------------------------------------------------------------
      const correctionTable = (ctx: Ctx, list: CorrectionView[], back: string) =>
        list.length === 0
          ? html`<p class="panel">No local corrections.</p>`
          : html`<table><thead><tr><th scope="col">Service</th><th scope="col">Correction</th><th scope="col">Made</th><th scope="col">State</th></tr></thead><tbody>
${list.map(
  (c) => html`<tr><td><a href="${PATH}/services/${encodeURIComponent(c.serviceId)}">${c.serviceName}</a></td><td><strong>${CORRECTION_KIND_LABELS[c.kind]}</strong><br>${c.text}</td>
<td>${c.madeBy.displayName}<br><span class="small">${when(c.madeAt)}</span></td>
<td>${
    c.removed
      ? html`${c.removed.how === 'lapsed' ? 'Lapsed' : 'Removed'} ${when(c.removed.at)}${c.removed.by ? html` by ${c.removed.by.displayName}` : ''}`
      : html`<span class="tag ok">Published</span>${c.lastDay ? html`<br><span class="small">until ${c.lastDay}</span>` : ''}
<form method="post" action="${PATH}/corrections/${c.id}/remove">${csrfField(ctx.user.csrfToken)}<input type="hidden" name="back" value="${back}"><button type="submit" class="danger">Remove</button></form>`
  }</td></tr>`,
)}</tbody></table>`;

      view(`${PATH}/corrections`, async (ctx, request, reply) => {
        const status = (request.query as { status?: string }).status === 'all' ? 'all' : 'active';
        const list = await json<{ corrections: CorrectionView[] }>(ctx, `/v1/admin/directory/corrections?status=${status}`);
        return send(
          reply,
          200,
          frameOf(ctx, 'corrections', 'Local corrections', { flash: flashOf(request) }),
          html`<h1>Local corrections</h1>
<p class="muted">What the trust has corrected on top of the feed. Each is shown on the service as a local correction on every desk. To correct a service, find it under <a href="${PATH}/services">Services</a>.</p>
<p><a href="${PATH}/corrections?status=active"${new Html(status === 'active' ? ' aria-current="true"' : '')}>Published now</a> · <a href="${PATH}/corrections?status=all"${new Html(status === 'all' ? ' aria-current="true"' : '')}>All, with removed and lapsed</a></p>
${correctionTable(ctx, list.corrections, `${PATH}/corrections`)}`,
        );
      });

      action(`${PATH}/corrections/:id/remove`, async (ctx, form, request, reply) => {
        const id = (request.params as { id: string }).id;
        const r = await api(ctx, 'POST', `/v1/admin/directory/corrections/${encodeURIComponent(id)}/remove`);
        if (r.statusCode !== 200) throw new ApiRefused(r.statusCode, apiMessage(r.body));
        const back = one(form.back);
        return reply.redirect(`${back.startsWith(`${PATH}/`) ? back : `${PATH}/corrections`}?said=removed`, 303);
      });

      // ---- published versions -------------------------------------------------------------
      view(`${PATH}/versions`, async (ctx, request, reply) => {
        const before = Number((request.query as { before?: string }).before);
        const list = await json<{ current: number; versions: VersionView[]; next: number | null }>(ctx, `/v1/admin/directory/versions?limit=50${Number.isInteger(before) && before > 0 ? `&before=${before}` : ''}`);
        return send(
          reply,
          200,
          frameOf(ctx, 'versions', 'Published versions'),
          html`<h1>Published versions</h1><p>Desks of the trust catch up to version <strong>${list.current}</strong>.</p>
<table><thead><tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">Made by</th><th scope="col" class="num">Added</th><th scope="col" class="num">Changed</th><th scope="col" class="num">Withdrawn</th><th scope="col">What</th></tr></thead><tbody>
${list.versions.map(
  (v) => html`<tr><td><a href="${PATH}/versions/${v.version}">${v.version}</a></td><td>${when(v.publishedAt)}</td><td>${v.cause === 'import' ? 'Import' : v.cause === 'quality' ? 'Reports and corrections' : 'Publish'}${v.by ? html`<br><span class="small">${v.by}</span>` : ''}${v.importId ? html`<br><a class="small" href="${PATH}/imports/${v.importId}">the import</a>` : ''}</td>
<td class="num">${v.added}</td><td class="num">${v.changed}</td><td class="num">${v.withdrawn}</td><td>${v.summary}</td></tr>`,
)}</tbody></table>
${list.next ? html`<p class="pager"><a href="${PATH}/versions?before=${list.next}">Older versions</a></p>` : ''}`,
        );
      });

      view(`${PATH}/versions/:version`, async (ctx, request, reply) => {
        const v = Number((request.params as { version: string }).version);
        const after = (request.query as { after?: string }).after ?? '';
        const p = await json<{ changes: { serviceId: string; name: string | null; change: string; why: string | null }[]; next: string | null; kept: boolean }>(
          ctx,
          `/v1/admin/directory/versions/${Number.isInteger(v) ? v : 0}/changes?${new URLSearchParams({ after, limit: '200' })}`,
        );
        return send(
          reply,
          200,
          frameOf(ctx, 'versions', `Version ${v}`),
          html`<h1>What version ${v} changed</h1>
${p.kept ? '' : html`<p class="warn">What this version changed is no longer kept in full (older than the kept history).</p>`}
<table><thead><tr><th scope="col">Service</th><th scope="col">Change</th><th scope="col">Why</th></tr></thead><tbody>
${p.changes.map((c) => html`<tr><td>${c.name ?? c.serviceId}<br><span class="small muted">${c.serviceId}</span></td><td>${c.change}</td><td>${c.why ?? ''}</td></tr>`)}</tbody></table>
${p.next ? html`<p class="pager"><a href="${PATH}/versions/${v}?after=${encodeURIComponent(p.next)}">More</a></p>` : ''}
<p><a href="${PATH}/versions">All versions</a></p>`,
        );
      });

      // ---- imports ------------------------------------------------------------------------
      view(`${PATH}/imports`, async (ctx, request, reply) => {
        const list = await json<{ imports: ImportJob[] }>(ctx, '/v1/admin/directory/imports');
        const running = list.imports.some((j) => j.status === 'running');
        return send(
          reply,
          200,
          frameOf(ctx, 'imports', 'Imports', { flash: flashOf(request), ...(running ? { refreshSeconds: 3 } : {}) }),
          html`<h1>Imports of the directory feed</h1>
<div class="grid2">
<form method="post" action="${PATH}/imports" class="panel">${csrfField(ctx.user.csrfToken)}<h2>Import from a URL</h2>
<label for="url">Address of the ORUK / HSDS API</label><input type="url" id="url" name="url" required size="50" placeholder="https://…">
<label for="src-url">Feed key (prefixes its service ids)</label><input type="text" id="src-url" name="source" required pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{0,39}" size="20">
<label style="font-weight:400"><input type="checkbox" name="partial" value="1"> Only part of the feed: withdraw nothing</label>
<p><button type="submit">Start the import</button></p></form>
<form method="post" action="${PATH}/imports/upload" enctype="multipart/form-data" class="panel">${csrfField(ctx.user.csrfToken)}<h2>Import a file</h2>
<label for="src-file">Feed key (prefixes its service ids)</label><input type="text" id="src-file" name="source" required pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{0,39}" size="20">
<label style="font-weight:400"><input type="checkbox" name="partial" value="1"> Only part of the feed: withdraw nothing</label>
<label for="file">ORUK / HSDS JSON document</label><input type="file" id="file" name="file" accept="application/json,.json" required>
<p><button type="submit">Upload and import</button></p></form>
</div>
<h2>Imports, newest first</h2>
${
  list.imports.length === 0
    ? html`<p class="panel">No imports here yet. A directory published another way (the command line, or the demo's synthetic directory) is listed under Published versions.</p>`
    : html`<table><thead><tr><th scope="col">Started</th><th scope="col">Feed</th><th scope="col">Status</th><th scope="col">What happened</th></tr></thead><tbody>
${list.imports.map(
  (j) => html`<tr><td><a href="${PATH}/imports/${j.id}">${when(j.startedAt)}</a></td><td>${j.source}<br><span class="small muted">${j.origin ?? ''}</span></td><td>${statusTag(j.status)}${j.progress && j.status === 'running' ? html`<br><span class="small">${j.progress.records} records read</span>` : ''}</td><td>${j.summary}</td></tr>`,
)}</tbody></table>`
}`,
        );
      });

      action(`${PATH}/imports`, async (ctx, form, _request, reply) => {
        const r = await api(ctx, 'POST', '/v1/admin/directory/imports', { kind: 'url', url: one(form.url), source: one(form.source), ...(one(form.partial) ? { complete: false } : {}) });
        if (r.statusCode !== 202 && r.statusCode !== 201) throw new ApiRefused(r.statusCode, apiMessage(r.body));
        return reply.redirect(`${PATH}/imports/${(r.json() as ImportJob).id}?said=started`, 303);
      });

      // The file is streamed through to the import as it arrives (never held whole); the form's
      // fields come before the file, so the token is checked before a byte of it is read.
      app.post(`${PATH}/imports/upload`, { schema: hide }, async (request, reply) => {
        const ctx = await signedIn(request, reply);
        if (!ctx) return reply;
        if (!request.isMultipart()) return refusedForm(reply);
        const fields: Form = {};
        for await (const part of request.parts()) {
          if (part.type === 'field') {
            fields[part.fieldname] = String(part.value);
            continue;
          }
          if (!checkForm(request, ctx, fields)) {
            part.file.resume();
            return refusedForm(reply);
          }
          const q = new URLSearchParams({ source: one(fields.source), name: part.filename.slice(0, 200), ...(one(fields.partial) ? { complete: 'false' } : {}) });
          if (secondsLeft(ctx.user.tokens.accessToken) < 120) await renew(ctx);
          const r = await api(ctx, 'POST', `/v1/admin/directory/imports/upload?${q}`, undefined, { headers: { 'content-type': 'application/json' }, payload: part.file });
          if (r.statusCode !== 201) throw new ApiRefused(r.statusCode, apiMessage(r.body));
          return reply.redirect(`${PATH}/imports/${(r.json() as ImportJob).id}`, 303);
        }
        return send(reply, 400, frameOf(ctx, 'imports', 'No file', { error: 'Choose a feed file to upload.' }), html`<p><a href="${PATH}/imports">Back to imports</a></p>`);
      });

      view(`${PATH}/imports/:id`, async (ctx, request, reply) => {
        const id = (request.params as { id: string }).id;
        const j = await json<ImportJob>(ctx, `/v1/admin/directory/imports/${encodeURIComponent(id)}`);
        const held = j.status === 'awaiting_confirmation';
        const withdrawals = held || (j.withdrawals?.count ?? 0) > 0 ? await json<{ services: { id: string; name: string | null }[]; next: string | null }>(ctx, `/v1/admin/directory/imports/${encodeURIComponent(id)}/withdrawals`) : null;
        const c = j.counts;
        return send(
          reply,
          200,
          frameOf(ctx, 'imports', `Import of ${j.source}`, { flash: flashOf(request), ...(j.status === 'running' ? { refreshSeconds: 2 } : {}) }),
          html`<h1>Import of ${j.source} ${statusTag(j.status)}</h1>
<p class="panel" role="status">${j.summary}${j.status === 'running' && j.progress ? html` ${j.progress.records} records read so far; this page updates by itself.` : ''}</p>
<div class="panel"><dl class="facts"><dt>From</dt><dd>${j.origin ?? j.kind ?? ''}</dd><dt>Started</dt><dd>${when(j.startedAt)}${j.startedBy ? ` by ${j.startedBy}` : ''}</dd>
${j.finishedAt ? html`<dt>Finished</dt><dd>${when(j.finishedAt)}</dd>` : ''}
<dt>Whole feed read</dt><dd>${j.complete === null ? 'not yet known' : j.complete ? 'yes, and it agreed with itself' : 'no: nothing was withdrawn'}</dd>
${c ? html`<dt>Records</dt><dd>${c.records} read: ${c.imported} imported, ${c.repaired} imported with repairs, ${c.leftOut} left out, ${c.duplicates} duplicates</dd>` : ''}
${j.changes ? html`<dt>Changes</dt><dd>${j.changes.put} added or changed, ${j.changes.deleted} withdrawn, ${j.changes.unchanged} unchanged</dd>` : ''}
${j.publishedVersion ? html`<dt>Published as</dt><dd><a href="${PATH}/versions/${j.publishedVersion}">version ${j.publishedVersion}</a></dd>` : ''}
${j.decision ? html`<dt>Decision</dt><dd>${j.decision.action} by ${j.decision.by}, ${when(j.decision.at)}</dd>` : ''}</dl></div>
${j.problems.length ? html`<h2>Problems with the feed</h2><ul>${j.problems.map((p) => html`<li>${p.where ? html`<strong>${p.where}</strong>: ` : ''}${p.reason}${p.partial ? ' (so nothing was withdrawn)' : ''}</li>`)}</ul>` : ''}
${
  held && withdrawals
    ? html`<h2>Waiting for your decision</h2><p class="warn">This import would withdraw ${j.withdrawals!.count} of the trust’s ${j.withdrawals!.trustServices} services, more than ${j.withdrawals!.confirmAbovePercent}%. Withdrawn services disappear from every desk. Check the list, then confirm or refuse.</p>
<ul>${withdrawals.services.map((s) => html`<li>${s.name ?? s.id} <span class="small muted">${s.id}</span></li>`)}</ul>${withdrawals.next ? html`<p class="muted">…and more.</p>` : ''}
<div class="row"><form method="post" action="${PATH}/imports/${j.id}/confirm">${csrfField(ctx.user.csrfToken)}<button type="submit" class="danger">Confirm: publish with these withdrawals</button></form>
<form method="post" action="${PATH}/imports/${j.id}/refuse">${csrfField(ctx.user.csrfToken)}<button type="submit" class="secondary">Refuse: publish nothing</button></form></div>`
    : withdrawals && withdrawals.services.length
      ? html`<h2>Withdrawn</h2><ul>${withdrawals.services.map((s) => html`<li>${s.name ?? s.id} <span class="small muted">${s.id}</span></li>`)}</ul>`
      : ''
}
${j.recordsKept && j.status !== 'running' ? html`<p><a class="button" href="${PATH}/imports/${j.id}/records">The report on every record</a> <a href="${PATH}/imports/${j.id}/records?outcome=left_out">Only those left out</a></p>` : ''}`,
        );
      });

      for (const verb of ['confirm', 'refuse'] as const) {
        action(`${PATH}/imports/:id/${verb}`, async (ctx, _form, request, reply) => {
          const id = (request.params as { id: string }).id;
          const r = await api(ctx, 'POST', `/v1/admin/directory/imports/${encodeURIComponent(id)}/${verb}`);
          if (r.statusCode !== 200) throw new ApiRefused(r.statusCode, apiMessage(r.body));
          return reply.redirect(`${PATH}/imports/${encodeURIComponent(id)}?said=${verb === 'confirm' ? 'confirmed' : 'refused'}`, 303);
        });
      }

      view(`${PATH}/imports/:id/records`, async (ctx, request, reply) => {
        const id = (request.params as { id: string }).id;
        const q = request.query as { after?: string; outcome?: string };
        const outcome = ['imported', 'repaired', 'left_out', 'duplicate'].includes(q.outcome ?? '') ? q.outcome! : '';
        const after = Number(q.after);
        const p = await json<{ records: ImportRecordLine[]; next: number | null }>(
          ctx,
          `/v1/admin/directory/imports/${encodeURIComponent(id)}/records?${new URLSearchParams({ ...(outcome ? { outcome } : {}), ...(Number.isInteger(after) && after > 0 ? { after: String(after) } : {}) })}`,
        );
        return send(
          reply,
          200,
          frameOf(ctx, 'imports', 'Per-record report'),
          html`<h1>Every record of the import${outcome ? html`: ${outcome.replace('_', ' ')}` : ''}</h1>
<p><a href="${PATH}/imports/${id}">Back to the import</a> · Show: <a href="${PATH}/imports/${id}/records">all</a> · <a href="${PATH}/imports/${id}/records?outcome=left_out">left out</a> · <a href="${PATH}/imports/${id}/records?outcome=repaired">repaired</a> · <a href="${PATH}/imports/${id}/records?outcome=duplicate">duplicates</a></p>
<table><thead><tr><th scope="col">Where in the feed</th><th scope="col">Record</th><th scope="col">Outcome</th><th scope="col">Defects</th></tr></thead><tbody>
${p.records.map(
  (r) => html`<tr><td>${r.place}</td><td>${r.name ?? ''}<br><span class="small muted">${r.feedId ?? ''}</span></td><td>${r.outcome.replace('_', ' ')}${r.firstCopy ? html`<br><span class="small">copy of ${r.firstCopy.place}</span>` : ''}${r.copies.length ? html`<br><span class="small">copies at ${r.copies.map((x) => x.place).join(', ')}</span>` : ''}</td>
<td>${r.defects.length ? html`<ul>${r.defects.map((d) => html`<li>${d.field ? html`<strong>${d.field}</strong> ` : ''}(${d.severity.replace('_', ' ')}): ${d.reason}</li>`)}</ul>` : ''}</td></tr>`,
)}</tbody></table>
${p.next ? html`<p class="pager"><a href="${PATH}/imports/${id}/records?${new URLSearchParams({ ...(outcome ? { outcome } : {}), after: String(p.next) })}">Next records</a></p>` : ''}`,
        );
      });

      // ---- taxonomy mapping ---------------------------------------------------------------
      const EMPTY_ROWS = 3;
      view(`${PATH}/taxonomy`, async (ctx, request, reply) => {
        const m = await json<{ mapping: TaxonomyMapping; isDefault: boolean; updatedAt: string | null; updatedBy: string | null }>(ctx, '/v1/admin/taxonomy-mapping');
        return send(reply, 200, frameOf(ctx, 'taxonomy', 'Taxonomy mapping', { flash: flashOf(request) }), taxonomyPage(ctx, m.mapping.rules, m.isDefault ? 'The default mapping: no trust mapping saved yet.' : `Saved ${when(m.updatedAt)}${m.updatedBy ? ` by ${m.updatedBy}` : ''}.`));
      });

      const taxonomyPage = (ctx: Ctx, rules: TaxonomyMapping['rules'], state: string) => {
        const rows = [...rules, ...Array.from({ length: EMPTY_ROWS }, () => null)];
        const cell = (i: number, name: string, value: string | undefined, label: string) => html`<td><label class="small" for="r${i}-${name}" style="position:absolute;left:-9999px">${label}, rule ${i + 1}</label><input type="text" id="r${i}-${name}" name="r${i}_${name}" value="${value ?? ''}" size="16" maxlength="200"></td>`;
        return html`<h1>Taxonomy mapping</h1>
<p class="muted">How the feed’s taxonomy terms become service types on the desks. The first rule that matches a service wins; the next import uses what you save here. ${state}</p>
<form method="post" action="${PATH}/taxonomy">${csrfField(ctx.user.csrfToken)}<input type="hidden" name="rows" value="${rows.length}">
<table><thead><tr><th scope="col">#</th><th scope="col">Vocabulary</th><th scope="col">Term</th><th scope="col">Code</th><th scope="col">Name contains</th><th scope="col">Service type</th><th scope="col">Remove</th></tr></thead><tbody>
${rows.map(
  (r, i) => html`<tr><td>${i + 1}</td>${cell(i, 'vocabulary', r?.match.vocabulary, 'Vocabulary')}${cell(i, 'term', r?.match.term, 'Term')}${cell(i, 'code', r?.match.code, 'Code')}${cell(i, 'nameContains', r?.match.nameContains, 'Name contains')}
<td><label class="small" for="r${i}-type" style="position:absolute;left:-9999px">Service type, rule ${i + 1}</label><select id="r${i}-type" name="r${i}_type">${r ? '' : html`<option value="">(new rule)</option>`}${SERVICE_TYPES.map((t) => html`<option value="${t}"${new Html(r?.type === t ? ' selected' : '')}>${SERVICE_TYPE_LABELS[t]}</option>`)}</select></td>
<td>${r ? html`<label style="font-weight:400"><input type="checkbox" name="r${i}_remove" value="1"> <span style="position:absolute;left:-9999px">Remove rule ${i + 1}</span></label>` : ''}</td></tr>`,
)}</tbody></table>
<p><button type="submit">Save the mapping</button></p></form>`;
      };

      action(`${PATH}/taxonomy`, async (ctx, form, _request, reply) => {
        const n = Math.min(2100, Number(one(form.rows)) || 0);
        const rules: TaxonomyMapping['rules'] = [];
        for (let i = 0; i < n; i++) {
          const match = Object.fromEntries((['vocabulary', 'term', 'code', 'nameContains'] as const).map((k) => [k, one(form[`r${i}_${k}`])]).filter(([, v]) => v));
          const type = one(form[`r${i}_type`]);
          if (one(form[`r${i}_remove`]) || (Object.keys(match).length === 0 && !type)) continue;
          rules.push({ match, type } as TaxonomyMapping['rules'][number]);
        }
        const r = await api(ctx, 'PUT', '/v1/admin/taxonomy-mapping', { rules });
        if (r.statusCode !== 200) {
          return send(reply, 400, frameOf(ctx, 'taxonomy', 'Taxonomy mapping', { error: `Not saved: ${apiMessage(r.body)} Each rule needs a service type and at least one of vocabulary, term, code or name.` }), taxonomyPage(ctx, rules, 'Not saved yet.'));
        }
        return reply.redirect(`${PATH}/taxonomy?said=taxonomy`, 303);
      });
    });
  };
}

class ApiRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function safeOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export const consoleRoutes: RouteModule = createConsoleRoutes();
