import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExportProgressEvent } from '../../shared/contract';
import { PEOPLE } from '../core/calls/test-fixtures';
import type { Core } from '../core/core';
import { summaryDesks } from '../../test/support/summary-desks';
import { exportFolder, exportRoutes } from './export-routes';

/*
 * The browser host's download of a shift summary file, against a real core on a temp folder: the
 * file the core finished, as an attachment, and nothing kept; refusals as error statuses with a
 * failed progress event for the screen, and no file.
 */

const { NIGHT, desk, pullTeam, closeDesks } = summaryDesks();
afterEach(closeDesks);

describe('a shift summary file downloaded from the browser host (GET /exports/shift)', () => {
  async function serve(core: Core, dataDir: string) {
    const routes = exportRoutes(core, exportFolder(dataDir));
    const server = createServer((req, res) => {
      void routes(req, res, new URL(req.url ?? '/', 'http://127.0.0.1')).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }
  const query = (p: Record<string, string>) => `/exports/shift?${new URLSearchParams(p)}`;

  it('answers the finished file as a download, the same bytes as the core writes, and keeps no copy', async () => {
    const { core, dir } = desk(PEOPLE.lead);
    pullTeam(core, PEOPLE.lead);
    const http = await serve(core, dir);
    try {
      const phases: string[] = [];
      const exportId = randomUUID();
      core.on('summaries.exportProgress', (e) => e.exportId === exportId && phases.push(e.phase));
      const res = await fetch(http.base + query({ ...NIGHT, exportId, format: 'csv', audience: 'reporting' }));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="shift-summary_team-a1_2026-10-24T2000_reporting.csv"; filename*=UTF-8''shift-summary_team-a1_2026-10-24T2000_reporting.csv`);
      const body = Buffer.from(await res.arrayBuffer());
      const direct = path.join(dir, 'direct.csv');
      expect(await core.handle('summaries.export', { ...NIGHT, exportId: randomUUID(), format: 'csv', audience: 'reporting', path: direct })).toMatchObject({ ok: true });
      expect(Buffer.compare(body, readFileSync(direct))).toBe(0);
      expect(phases.at(-1)).toBe('done');
      await new Promise((r) => setTimeout(r, 50));
      expect(readdirSync(path.join(dir, 'downloads'))).toEqual([]);
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
      expect(readdirSync(path.join(dir, 'downloads'))).toEqual([]);
    } finally {
      await http.close();
    }
  });
});
