import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOTH_DATABASES } from '../../../test/support/both-databases';
import { ConsoleBrowser, csrfOf } from '../../../test/support/console-client';
import { freePort } from '../../../test/support/free-port';
import { obtainTokens, startLoopbackReceiver, type LoopbackReceiver } from '../../../test/support/oidc-client';
import { testServerEnv, type TestServerEnv } from '../../../test/support/server-env';
import { makeService } from '../../../test/support/services';
import { ScriptedDesk } from '../../../test/support/sync-fixtures';
import { devIdentityProvider } from '../auth/dev-idp/dev-identity-provider';
import { loadConfig } from '../config';
import { DEMO_PASSWORD } from '../demo/seed-users';
import { directoryRoutes, publishAndDistribute } from '../directory';
import { startServer, type RunningServer } from '../runtime/start-server';
import { syncRoutes } from '../sync/sync-routes';
import { consoleRoutes } from './console-routes';

/*
 * The admin console over real HTTP, signed in through the built-in identity provider's own form:
 * only directory leads (admin) get in, forms only count with the session's CSRF token from this
 * origin, and what the lead does in it reaches the API's data (a report resolved, a correction
 * published on the service, a held import confirmed) with who and when.
 */
describe.each(BOTH_DATABASES)('the admin console on %s', (_name, open) => {
  let server: RunningServer;
  let base: string;
  let env: TestServerEnv;
  let receiver: LoopbackReceiver;
  let drop: () => Promise<void>;
  const desk = new ScriptedDesk();
  let reportId: string;

  beforeAll(async () => {
    const opened = await open();
    drop = opened.drop;
    const port = await freePort();
    env = testServerEnv();
    const config = loadConfig({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, DEMO: '1', LOG_LEVEL: 'silent', ...env.env });
    server = await startServer(config, { log: pino({ level: 'silent' }), db: opened.db, modules: [devIdentityProvider, syncRoutes, directoryRoutes, consoleRoutes] });
    base = server.url;
    receiver = await startLoopbackReceiver();
    await publishAndDistribute(server.deps, 'demo-south', [
      makeService({ id: 'south:cafe', name: 'Harbour <Crisis> Café', type: 'crisis_cafe', phones: [{ number: '0800 123 4567', type: 'public' }] }),
      makeService({ id: 'south:line', name: 'Riverside Crisis Line', type: 'crisis_helpline' }),
    ], { source: 'south', complete: true });
    // A clinician reports a dead number through sync, as a desk does.
    const tokens = await obtainTokens(base, receiver, 'clinician.south', DEMO_PASSWORD);
    const m = desk.report('south:cafe', 'number_not_answering', { phone: '0800 123 4567', serviceName: 'Harbour <Crisis> Café' });
    reportId = m.recordId;
    const r = await fetch(`${base}/v1/sync/push`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify(desk.request([m])) });
    expect(r.status).toBe(200);
  });
  afterAll(async () => {
    await server.stop();
    await receiver.close();
    await drop();
    env.remove();
  });

  it('sends a stranger to sign in, and lets in only a directory lead (admin)', async () => {
    const stranger = new ConsoleBrowser(base);
    const page = await stranger.go('/console/reports');
    expect(page.url).toContain('/oidc/authorize');
    expect(page.url).toContain('client_id=crisis-desk-console');
    expect(page.url).toContain('code_challenge_method=S256');

    const clinician = new ConsoleBrowser(base);
    const refused = await clinician.signIn('clinician.south', DEMO_PASSWORD);
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('does not have the admin role');
    expect((await clinician.go('/console/reports')).url).toContain('/oidc/authorize');
  });

  it('shows the lead the trust’s queue, escaped, with who reported it; a form without the token or from elsewhere changes nothing', async () => {
    const lead = new ConsoleBrowser(base);
    const page = await lead.signIn('admin.south', DEMO_PASSWORD);
    expect(page.status).toBe(200);
    expect(page.url).toBe(`${base}/console/reports`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.html).toContain('Harbour &lt;Crisis&gt; Café');
    expect(page.html).not.toContain('<Crisis>');
    expect(page.html).toContain('Demo Clinician (Southvale day)');
    expect(page.html).toContain('Reports (1 open)');

    const noToken = await lead.go(`/console/reports/${reportId}/resolve`, { form: { resolution: 'dismissed' } });
    expect(noToken.status).toBe(403);
    const elsewhere = await lead.go(`/console/reports/${reportId}/resolve`, { form: { resolution: 'dismissed', csrf: csrfOf(page.html) }, origin: 'https://attacker.example' });
    expect(elsewhere.status).toBe(403);
    const [row] = await server.deps.db.query<{ resolution: string | null }>('SELECT resolution FROM directory_report WHERE id = $1', [reportId]);
    expect(row!.resolution).toBeNull();
  });

  it('corrects the service locally from its page, resolving the report: published with who and when, shown on the service', async () => {
    const lead = new ConsoleBrowser(base);
    await lead.signIn('admin.south', DEMO_PASSWORD);
    const service = await lead.go(`/console/services/south%3Acafe?report=${reportId}`);
    expect(service.status).toBe(200);
    expect(service.html).toMatch(new RegExp(`name="reportIds" value="${reportId}" checked`));
    const done = await lead.go('/console/services/south%3Acafe/corrections', {
      form: { csrf: csrfOf(service.html), kind: 'phone_not_working', number: '0800 123 4567', note: 'Line fault', reportIds: reportId },
    });
    expect(done.status).toBe(200);
    expect(done.html).toContain('Local correction published');
    expect(done.html).toContain('marked not working');
    expect(done.html).toContain('Corrected locally');

    const [r] = await server.deps.db.query<{ resolution: string; resolved_by: string }>('SELECT resolution, resolved_by FROM directory_report WHERE id = $1', [reportId]);
    expect(r).toEqual({ resolution: 'corrected_locally', resolved_by: 'admin.south' });
    const [doc] = await server.deps.db.query<{ doc: { phones: { notWorking?: boolean }[]; localCorrections: unknown[] } }>("SELECT doc FROM directory_service WHERE trust_id = 'demo-south' AND id = 'south:cafe'");
    expect(doc!.doc.phones[0]!.notWorking).toBe(true);
    expect(doc!.doc.localCorrections).toHaveLength(1);

    const versions = await lead.go('/console/versions');
    expect(versions.html).toContain('Reports and corrections');
    const corrections = await lead.go('/console/corrections');
    expect(corrections.html).toContain('0800 123 4567 is not working');
  });

  it('uploads a feed file, shows its per-record report, and signs out for good', async () => {
    const lead = new ConsoleBrowser(base);
    const page = await lead.signIn('admin.south', DEMO_PASSWORD, '/console/imports');
    expect(page.html).toContain('No imports here yet.');
    const form = new FormData();
    form.set('csrf', csrfOf(page.html));
    form.set('source', 'upload1');
    form.set('partial', '1');
    form.set('file', new Blob([JSON.stringify({ services: [{ id: 'x1', name: 'Valley Crisis Line' }] })], { type: 'application/json' }), 'feed.json');
    const job = await lead.go('/console/imports/upload', { body: form });
    expect(job.status).toBe(200);
    expect(job.url).toMatch(/\/console\/imports\/[0-9a-f-]{36}$/);
    expect(job.html).toMatch(/Records<\/dt><dd>1 read/);
    const records = await lead.go(`${new URL(job.url).pathname}/records`);
    expect(records.html).toContain('Valley Crisis Line');
    const listed = await lead.go('/console/imports');
    expect(listed.html).not.toContain('No imports here yet.');
    expect(listed.html).toContain('upload1');

    const signOut = await lead.go('/console/sign-out', { form: { csrf: csrfOf(records.html) } });
    expect(signOut.html).toContain('Signed out');
    expect((await lead.go('/console/reports')).url).toContain('/oidc/authorize');
  });

  it('holds an upload that would withdraw many services until the lead decides: refused publishes nothing, confirmed publishes the withdrawals', async () => {
    const record = (id: string) => ({ id, name: `Crisis café ${id}`, status: 'active', organization: { id: 'org', name: 'Valley Mind' }, phones: [{ number: '020 7946 0000' }], schedules: [{ id: `${id}-s`, byday: 'MO,TU,WE,TH,FR', opens_at: '18:00', closes_at: '23:00' }] });
    const lead = new ConsoleBrowser(base);
    let page = await lead.signIn('admin.south', DEMO_PASSWORD, '/console/imports');
    const upload = async (ids: string[]) => {
      const form = new FormData();
      form.set('csrf', csrfOf(page.html));
      form.set('source', 'valley');
      form.set('file', new Blob([JSON.stringify({ services: ids.map(record) })], { type: 'application/json' }), 'valley.json');
      return lead.go('/console/imports/upload', { body: form });
    };
    const first = await upload(['a', 'b', 'c']);
    expect(first.html).toContain('>published</span>');
    const published = async () => (await server.deps.db.query<{ id: string }>("SELECT id FROM directory_service WHERE trust_id = 'demo-south' AND source = 'valley' AND NOT deleted ORDER BY id")).map((r) => r.id);
    expect(await published()).toEqual(['valley:a', 'valley:b', 'valley:c']);

    page = await upload(['a']);
    expect(page.html).toContain('Waiting for your decision');
    expect(page.html).toContain('Crisis café b');
    expect(page.html).toContain('Crisis café c');
    const refused = await lead.go(`${new URL(page.url).pathname}/refuse`, { form: { csrf: csrfOf(page.html) } });
    expect(refused.html).toContain('Import refused: nothing of it was published.');
    expect(await published()).toEqual(['valley:a', 'valley:b', 'valley:c']);

    page = await upload(['a']);
    const confirmed = await lead.go(`${new URL(page.url).pathname}/confirm`, { form: { csrf: csrfOf(page.html) } });
    expect(confirmed.html).toContain('Import confirmed');
    expect(confirmed.html).toMatch(/confirmed by admin\.south/);
    expect(await published()).toEqual(['valley:a']);
  });

  // Last: the trust's own mapping (one rule) would leave the other tests' cafés without a type.
  it('saves a taxonomy mapping through its form, and refuses a rule without a match in words', async () => {
    const lead = new ConsoleBrowser(base);
    const page = await lead.signIn('admin.south', DEMO_PASSWORD, '/console/taxonomy');
    const csrf = csrfOf(page.html);
    const bad = await lead.go('/console/taxonomy', { form: { csrf, rows: '1', r0_type: 'crisis_cafe' } });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('Not saved');
    const ok = await lead.go('/console/taxonomy', { form: { csrf, rows: '1', r0_term: 'Sanctuary', r0_type: 'crisis_cafe' } });
    expect(ok.html).toContain('Taxonomy mapping saved');
    expect(ok.html).toMatch(/value="Sanctuary"/);
  });
});
