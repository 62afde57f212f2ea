import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExportProgressEvent, HostDownload } from '../../shared/contract';
import { PEOPLE } from '../core/calls/test-fixtures';
import type { Core } from '../core/core';
import { summaryDesks } from '../../test/support/summary-desks';
import { exportFolder, exportRoutes } from './export-routes';

/*
 * The browser host's download of a shift summary file, against a real core on a temp folder: the
 * file the core finished, behind a one-time link, as an attachment, and nothing kept; refusals as
 * error statuses with a failed progress event for the screen, and no file.
 */

const { NIGHT, desk, pullTeam, closeDesks } = summaryDesks();
afterEach(closeDesks);

describe('a shift summary file downloaded from the browser host (GET /exports/shift, then its one-time link)', () => {
  async function serve(core: Core, dataDir: string, ttlMs?: number) {
    const { exports, downloads } = exportRoutes(core, exportFolder(dataDir), ttlMs);
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      void (async () => (await exports(req, res, url)) || (await downloads(req, res, url)))().then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }
  const query = (p: Record<string, string>) => `/exports/shift?${new URLSearchParams(p)}`;
  const waiting = (dir: string) => readdirSync(path.join(dir, 'downloads'));

  it('makes the file and answers a one-time link; the link downloads the same bytes as the core writes, once, and keeps no copy', async () => {
    const { core, dir } = desk(PEOPLE.lead);
    pullTeam(core, PEOPLE.lead);
    const http = await serve(core, dir);
    try {
      const phases: string[] = [];
      const exportId = randomUUID();
      core.on('summaries.exportProgress', (e) => e.exportId === exportId && phases.push(e.phase));
      const made = await fetch(http.base + query({ ...NIGHT, exportId, format: 'csv', audience: 'reporting' }));
      expect(made.status).toBe(200);
      const link = (await made.json()) as HostDownload;
      expect(link).toEqual({ href: expect.stringMatching(/^\/downloads\/[\w-]{43}$/), name: 'shift-summary_team-a1_2026-10-24T2000_reporting.csv', desksBehind: 0 });
      expect(phases.at(-1)).toBe('done');
      expect(waiting(dir)).toHaveLength(1);

      const res = await fetch(http.base + link.href);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="shift-summary_team-a1_2026-10-24T2000_reporting.csv"; filename*=UTF-8''shift-summary_team-a1_2026-10-24T2000_reporting.csv`);
      const body = Buffer.from(await res.arrayBuffer());
      const direct = path.join(dir, 'direct.csv');
      expect(await core.handle('summaries.export', { ...NIGHT, exportId: randomUUID(), format: 'csv', audience: 'reporting', path: direct })).toMatchObject({ ok: true });
      expect(Buffer.compare(body, readFileSync(direct))).toBe(0);
      await expect.poll(() => waiting(dir)).toEqual([]);

      // Good once: a second download of the link, or a made-up one, finds nothing.
      for (const href of [link.href, '/downloads/made-up', `/downloads/${link.href.slice(-43).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}`]) {
        const again = await fetch(http.base + href);
        expect(again.status).toBe(404);
        expect(await again.text()).toMatch(/used already or is out of date/);
      }
    } finally {
      await http.close();
    }
  });

  it('forgets a link not followed in time, and deletes its file', async () => {
    const { core, dir } = desk(PEOPLE.lead);
    pullTeam(core, PEOPLE.lead);
    const http = await serve(core, dir, 100);
    try {
      const made = await fetch(http.base + query({ ...NIGHT, exportId: randomUUID(), format: 'pdf', audience: 'handover' }));
      const link = (await made.json()) as HostDownload;
      expect(waiting(dir)).toHaveLength(1);
      await expect.poll(() => waiting(dir)).toEqual([]);
      expect((await fetch(http.base + link.href)).status).toBe(404);
    } finally {
      await http.close();
    }
  });

  it('refuses a reversed range and a clinician with an error status and a failed event, and leaves no file', async () => {
    const { core, dir, signIns } = desk(PEOPLE.lead);
    pullTeam(core, PEOPLE.lead);
    const http = await serve(core, dir);
    try {
      const events: ExportProgressEvent[] = [];
      core.on('summaries.exportProgress', (e) => events.push(e));
      const reversed = randomUUID();
      const r1 = await fetch(http.base + query({ ...NIGHT, from: NIGHT.to, to: NIGHT.from, exportId: reversed, format: 'pdf', audience: 'handover' }));
      expect(r1.status).toBe(400);
      expect(await r1.json()).toEqual({ error: 'invalid_params', message: 'to: must be after from (the range is reversed)' });
      expect(events.find((e) => e.exportId === reversed)).toMatchObject({ phase: 'failed', error: { code: 'invalid_params' } });

      signIns.signInAs(PEOPLE.night);
      const clinician = randomUUID();
      const r2 = await fetch(http.base + query({ ...NIGHT, exportId: clinician, format: 'xlsx', audience: 'handover' }));
      expect(r2.status).toBe(403);
      expect(events.find((e) => e.exportId === clinician)).toMatchObject({ phase: 'failed', error: { code: 'forbidden' } });
      expect(waiting(dir)).toEqual([]);
    } finally {
      await http.close();
    }
  });
});
