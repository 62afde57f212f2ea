import { randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { ContractError, ErrorCode, ExportResult } from '../../shared/contract';
import { ExportRequestParams } from '../../shared/contract';
import { EXPORT_MEDIA_TYPES, exportFileName } from '../../shared/lib/shift-export-formats';
import type { Core } from '../core/core';

/*
 * Shift summary files in the browser host: GET /exports/shift?exportId&teamId&from&to&format&audience
 * answers the file as a download (Content-Disposition: attachment). It runs behind the host's
 * request guard (this origin, and the tab's session in its header: the screen fetches it, see downloadFromHost), as every route does.
 *
 * The core writes the file exactly as for the desktop app's save dialog (summaries.export: the
 * same checks of the request and of the desk user's role, the same progress events over the
 * screen's WebSocket, the same audit entry), into a private folder of the desk's data; only a
 * finished file is sent, and it is deleted once sent. A refused, failed or cancelled export answers
 * an error status instead, which the browser takes as a failed download: no file, whole or partial,
 * lands in the person's downloads. If the tab goes away mid-export, the export is cancelled.
 */

export const EXPORT_ROUTE = '/exports/shift';

const STATUS: Partial<Record<ErrorCode, number>> = {
  invalid_params: 400,
  not_signed_in: 401,
  forbidden: 403,
  not_found: 404,
  cancelled: 409,
  storage_full: 507,
  core_unreachable: 503,
};

/** A folder of the desk's data for files on their way to the browser; emptied at start (a host stopped mid-download leaves one behind). */
export function exportFolder(dataDir: string): string {
  const dir = path.join(dataDir, 'downloads');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function refuse(res: ServerResponse, error: ContractError): void {
  const status = STATUS[error.code] ?? 500;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: error.code, message: error.message }));
}

/** An RFC 6266 filename: ASCII for old readers, UTF-8 for everyone else (ours are ASCII already). */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function exportRoutes(core: Core, dir: string) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname !== EXPORT_ROUTE) return false;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', 'cache-control': 'no-store' }).end();
      return true;
    }
    const query = Object.fromEntries(url.searchParams);
    const parsed = ExportRequestParams.safeParse(query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.') || '(query)';
      const error: ContractError = { code: 'invalid_params', message: `${field}: ${issue.message}`, fields: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) };
      // The screen follows the export by its id: tell it why nothing is coming.
      if (typeof query.exportId === 'string' && /^[0-9a-f-]{36}$/i.test(query.exportId)) core.emit('summaries.exportProgress', { exportId: query.exportId, phase: 'failed', done: 0, total: 1, error });
      refuse(res, error);
      return true;
    }
    const p = parsed.data;
    const name = exportFileName(p.teamId, p.from, p.audience, p.format);
    const folder = path.join(dir, randomUUID());
    mkdirSync(folder, { mode: 0o700 });
    const file = path.join(folder, name);
    const cleanUp = () => rmSync(folder, { recursive: true, force: true });
    // The tab closed or the download was cancelled while the file was being made (the connection
    // closed before any answer): stop making it.
    let answered = false;
    const gone = () => {
      if (!answered) core.summaries.cancel(p.exportId);
    };
    res.on('close', gone);
    try {
      const r = await core.handle('summaries.export', { ...p, path: file });
      answered = true;
      res.off('close', gone);
      if (!r.ok) {
        cleanUp();
        refuse(res, r.error);
        return true;
      }
      const result = r.value as ExportResult;
      res.writeHead(200, {
        'content-type': EXPORT_MEDIA_TYPES[p.format],
        'content-length': String(statSync(file).size),
        'content-disposition': disposition(name),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-crisis-desk-desks-behind': String(result.desksBehind),
      });
      const stream = createReadStream(file);
      stream.on('error', () => res.destroy());
      res.on('close', cleanUp);
      stream.pipe(res);
      return true;
    } catch (e) {
      cleanUp();
      throw e;
    }
  };
}
