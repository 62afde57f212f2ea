/*
 * ./desk start, until the screen exists: builds the demo directory, opens a desk core on it and
 * walks through a search and a whole call record, printing what happened.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Core } from '../electron/core/core';
import { emptyCallRecordContent, type CallRecord } from '../shared/domain/call-record';
import type { SearchResult } from '../shared/contract';
import { generateDirectory, loadEnglandSectors } from './synthetic/generate-directory';
import { writeDirectoryDb } from './synthetic/write-directory-db';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.join(root, '.data', 'demo');
const geoDir = path.join(root, 'data', 'geo');
mkdirSync(dataDir, { recursive: true });

const directoryFile = path.join(dataDir, 'directory.db');
if (!existsSync(directoryFile)) {
  const services = generateDirectory({ seed: 1, count: 3000, sectors: loadEnglandSectors(geoDir) });
  writeDirectoryDb(directoryFile, services, { version: 'demo-1', publishedAt: new Date().toISOString() });
  console.log(`Built the demo directory: ${services.length} synthetic services in ${path.relative(root, directoryFile)}`);
}

// Development only: the desktop shell wraps this key with the OS keychain (safeStorage).
const keyFile = path.join(dataDir, 'demo-desk.key');
if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
const core = Core.open({ dataDir, geoDir, deskKey: Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex') });

async function call<T>(method: string, params: unknown): Promise<T> {
  const r = await core.handle(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value as T;
}

const search = await call<SearchResult>('directory.search', { postcode: 'SE5 8AZ', openNow: true, limit: 5 });
console.log(`\nOpen now near SE5 8AZ (${search.total} services; directory ${search.directory.version}, ${search.directory.services} services):`);
for (const r of search.results) {
  const until = r.openState.until ? `until ${new Date(r.openState.until).toLocaleTimeString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' })}` : 'open 24 hours';
  const where = r.distanceKm !== null ? `${r.distanceKm} km` : r.coversOrigin ? 'covers this area' : '';
  console.log(`  ${r.service.name.padEnd(48)} ${where.padEnd(18)} ${until}${r.stale ? '  (data over a year old)' : ''}`);
}

const draft = await call<CallRecord>('calls.create', {});
const content = emptyCallRecordContent(draft.content.startedAt);
content.caller = { ...content.caller, type: 'self', anonymous: true };
content.presentingNeed = { categories: ['low_mood'], summary: 'Synthetic demo call: low mood, wanted to talk.' };
for (const area of ['toSelf', 'toOthers', 'fromOthers', 'safeguarding'] as const) content.risk[area].status = 'none_identified';
content.risk.formulation = 'Synthetic demo: no current risk identified.';
content.outcome = { code: '02', notes: '' };
content.consent = { informationSharing: 'given', notes: '' };
const saved = await call<{ revision: number }>('calls.save', { id: draft.id, revision: draft.revision, content });
const final = await call<CallRecord>('calls.finalise', { id: draft.id, revision: saved.revision });
const audit = await call<{ ok: boolean; entries: number }>('audit.verify', {});
console.log(`\nCall record ${final.id}: ${final.status}, content hash ${final.contentHash?.slice(0, 16)}…`);
console.log(`Audit trail: ${audit.entries} entries, chain ${audit.ok ? 'intact' : 'BROKEN'}`);
console.log(`\nThe desk's files are in ${path.relative(root, dataDir)}/ (desk.db is encrypted). The clinician's screen arrives with issue 5.`);
core.close();
