/*
 * Shared by the desk.db tests (unit tests beside the code and test/integration): a real desk.db
 * in a temporary folder, and call record content that is complete enough to finalise.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emptyCallRecordContent, type CallRecordContent } from '../../../shared/domain/call-record';
import { AuditLog } from '../audit/audit-log';
import { openDeskDb, type DeskDb } from '../db/desk-db';
import { CallStore } from './call-store';

export function makeTempDir(prefix = 'crisis-desk-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestDesk {
  file: string;
  desk: DeskDb;
  audit: AuditLog;
  calls: CallStore;
  close: () => void;
}

/** Opens desk.db in `dir` with the given key, as the core does (the audit key is a separate random one here). */
export function openTestDesk(dir: string, key: Buffer, opts: { auditKey?: Buffer; now?: () => Date } = {}): TestDesk {
  const file = path.join(dir, 'desk.db');
  const desk = openDeskDb(file, key);
  const now = opts.now ?? (() => new Date());
  const audit = new AuditLog(desk.db, opts.auditKey ?? Buffer.alloc(32, 7), now);
  const calls = new CallStore(desk.db, { clientId: desk.clientId, now, audit });
  return { file, desk, audit, calls, close: () => desk.db.close() };
}

export const randomKey = (): Buffer => randomBytes(32);

/** A synthetic record that satisfies finaliseIssues: anonymous self-referral, no risk, advice only. */
export function completeContent(startedAt: string, summary = 'Synthetic test call: low mood, wanted to talk.'): CallRecordContent {
  const content = emptyCallRecordContent(startedAt);
  content.caller = { ...content.caller, type: 'self', anonymous: true };
  content.presentingNeed = { categories: ['low_mood'], summary };
  for (const area of ['toSelf', 'toOthers', 'fromOthers', 'safeguarding'] as const) content.risk[area].status = 'none_identified';
  content.risk.formulation = 'Synthetic test: no current risk identified.';
  content.outcome = { code: '02', notes: '' };
  content.consent = { informationSharing: 'given', notes: '' };
  return content;
}
