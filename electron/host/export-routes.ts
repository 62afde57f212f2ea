import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import type { ContractError, ErrorCode, ExportResult, HostDownload } from '../../shared/contract';
import { ExportRequestParams } from '../../shared/contract';
import { EXPORT_MEDIA_TYPES, exportFileName, type ExportFormat } from '../../shared/lib/shift-export-formats';
import type { Core } from '../core/core';
import type { HostRoute } from './browser-host';

/*
 * Shift summary files in the browser host, in two steps:
 *  1. GET /exports/shift?exportId&teamId&from&to&format&audience, from the screen (fetch, holding
 *     the tab's session in its header, as every route beside the screen's files does): the core
 *     writes the file exactly as for the desktop app's save dialog (summaries.export: the same checks
 *     of the request and of the desk user's role, the same progress events over the screen's
 *     WebSocket, the same audit entry) into a private folder of the desk's data, and the answer is a
 *     one-time link to it: {href, name, desksBehind}.
 *  2. GET /downloads/<link>, the browser's own download of that link (an <a download> the screen
 *     clicks): the file as an attachment, streamed from disk, then deleted. The tab never holds the
 *     file (a blob of a year's XLSX would sit in its memory twice over), and the browser writes it
 *     to the person's downloads as it arrives.
 * A download cannot carry the session header, so the link is the capability: 32 random bytes,
 * good once, for LINK_TTL_MS, from this origin only (the host's guard). A refused, failed or
 * cancelled export answers an error status at step 1 and no link: no file, whole or partial, lands
 * in the person's downloads. If the tab goes away mid-export, the export is cancelled; a link not
 * followed in time is forgotten and its file deleted.
 */

export const EXPORT_ROUTE = '/exports/shift';
/** Where a made file waits for the browser's download (one path segment: the link). */
export const DOWNLOAD_ROUTE = '/downloads/';
/** How long a made file waits for the browser to follow its link (it does so at once). */
export const LINK_TTL_MS = 2 * 60_000;

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

interface MadeFile {
  file: string;
  name: string;
  format: ExportFormat;
  /** Deletes the file (and its folder) and forgets the link. */
  forget: () => void;
}

/**
 * The export route (step 1, for a tab holding the session) and the download route (step 2, the
 * link is the capability); see the top of this file. `ttlMs` is for tests.
 */
export function exportRoutes(core: Core, dir: string, ttlMs = LINK_TTL_MS): { exports: HostRoute; downloads: HostRoute } {
  const made = new Map<string, MadeFile>();

  const exports: HostRoute = async (req, res, url) => {
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
    // The tab closed while the file was being made (the connection closed before any answer): stop making it.
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
      const link = randomBytes(32).toString('base64url');
      const forget = () => {
        clearTimeout(expiry);
        made.delete(link);
        cleanUp();
      };
      const expiry = setTimeout(forget, ttlMs);
      expiry.unref();
      made.set(link, { file, name, format: p.format, forget });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ href: `${DOWNLOAD_ROUTE}${link}`, name, desksBehind: result.desksBehind } satisfies HostDownload));
      return true;
    } catch (e) {
      cleanUp();
      throw e;
    }
  };

  const downloads: HostRoute = (req, res, url) => {
    if (!url.pathname.startsWith(DOWNLOAD_ROUTE)) return false;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', 'cache-control': 'no-store' }).end();
      return true;
    }
    const link = url.pathname.slice(DOWNLOAD_ROUTE.length);
    const m = made.get(link);
    if (!m) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('This download link has been used already or is out of date. Export the file again from Crisis Desk.');
      return true;
    }
    // Good once: the link is spent as it is followed, and the file deleted once sent (or not).
    made.delete(link);
    res.on('close', m.forget);
    res.writeHead(200, {
      'content-type': EXPORT_MEDIA_TYPES[m.format],
      'content-length': String(statSync(m.file).size),
      'content-disposition': disposition(m.name),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    const stream = createReadStream(m.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return true;
  };

  return { exports, downloads };
}
