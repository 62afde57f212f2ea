import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeContent, makeTempDir, openTestDesk, randomKey, type TestDesk } from '../calls/test-fixtures';
import { AuditLog, type AuditRow } from './audit-log';

let tmp: ReturnType<typeof makeTempDir>;
let t: TestDesk;
let deskKey: Buffer;
const auditKey = Buffer.alloc(32, 0x5a);

beforeEach(() => {
  tmp = makeTempDir();
  deskKey = randomKey();
  t = openTestDesk(tmp.dir, deskKey, { auditKey, user: null });
});
afterEach(() => {
  t.close();
  tmp.remove();
});

/** A day's work on two records: create, edits, views, finalise, addendum, discard. */
function someActivity(): void {
  const a = t.calls.create({});
  const content = completeContent(a.content.startedAt);
  content.caller = { ...content.caller, anonymous: false, name: 'Synthetic Person Quillfeather', phone: '07700 900123' };
  t.calls.save({ id: a.id, revision: 1, content });
  t.calls.get(a.id);
  t.calls.finalise({ id: a.id, revision: 2 });
  t.calls.addAddendum({ id: a.id, text: 'Synthetic addendum about Quillfeather' });
  const b = t.calls.create({});
  t.calls.discard({ id: b.id, revision: 1, reason: 'Quillfeather called twice' });
}

const rows = () => t.desk.db.prepare('SELECT * FROM audit ORDER BY seq').all() as AuditRow[];

/** What an attacker with write access to the file could do: lift the append-only triggers. */
function dropAppendOnlyTriggers(): void {
  t.desk.db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
}

describe('audit trail', () => {
  it('records each action, without patient data, in a chain that verifies', () => {
    someActivity();
    expect(rows().map((r) => r.action)).toEqual(['create', 'edit', 'view', 'finalise', 'addendum', 'create', 'discard']);
    expect(JSON.stringify(rows())).not.toMatch(/Quillfeather|07700/);
    expect(t.audit.verify()).toEqual({ ok: true, entries: 7, brokenAt: null, reason: null });
  });

  it('refuses UPDATE and DELETE of its rows', () => {
    someActivity();
    expect(() => t.desk.db.prepare("UPDATE audit SET action = 'view' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => t.desk.db.prepare('DELETE FROM audit WHERE seq = 1').run()).toThrow(/append-only/);
  });

  it('catches an edited entry and names it', () => {
    someActivity();
    dropAppendOnlyTriggers();
    t.desk.db.prepare('UPDATE audit SET detail = ? WHERE seq = 4').run(canonicalize({ revision: 99 }));
    expect(t.audit.verify()).toMatchObject({ ok: false, brokenAt: 4, reason: expect.stringMatching(/altered/) });
  });

  it('catches an entry whose time was moved', () => {
    someActivity();
    dropAppendOnlyTriggers();
    t.desk.db.prepare("UPDATE audit SET at = '2020-01-01T00:00:00.000Z' WHERE seq = 6").run();
    expect(t.audit.verify()).toMatchObject({ ok: false, brokenAt: 6 });
  });

  it('catches a deleted entry in the middle and at the end', () => {
    someActivity();
    dropAppendOnlyTriggers();
    t.desk.db.prepare('DELETE FROM audit WHERE seq = 7').run();
    expect(t.audit.verify()).toMatchObject({ ok: false, brokenAt: 7, reason: expect.stringMatching(/missing/) });
    t.desk.db.prepare('DELETE FROM audit WHERE seq = 3').run();
    expect(t.audit.verify()).toMatchObject({ ok: false, brokenAt: 3, reason: expect.stringMatching(/missing/) });
  });

  it('catches entries swapped in order', () => {
    someActivity();
    dropAppendOnlyTriggers();
    const [, second, third] = rows();
    const put = t.desk.db.prepare('UPDATE audit SET at = ?, action = ?, record_id = ?, detail = ?, prev_mac = ?, mac = ? WHERE seq = ?');
    for (const [target, from] of [[second!, third!], [third!, second!]] as const) {
      put.run(from.at, from.action, from.record_id, from.detail, from.prev_mac, from.mac, target.seq);
    }
    expect(t.audit.verify()).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('catches a chain rebuilt with plain sha256 (without the MAC key)', () => {
    someActivity();
    dropAppendOnlyTriggers();
    const update = t.desk.db.prepare('UPDATE audit SET detail = ?, prev_mac = ?, mac = ? WHERE seq = ?');
    let prev = '0'.repeat(64);
    for (const r of rows()) {
      const detail = r.seq === 2 ? canonicalize({ revision: 42 })! : r.detail;
      const fields = canonicalize({ seq: r.seq, at: r.at, action: r.action, recordId: r.record_id, detail })!;
      const mac = createHash('sha256').update(`${prev}\n${fields}`).digest('hex');
      update.run(detail, prev, mac, r.seq);
      prev = mac;
    }
    expect(t.audit.verify()).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it('does not verify under a different key', () => {
    someActivity();
    expect(new AuditLog(t.desk.db, Buffer.alloc(32, 1)).verify()).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it('still verifies after the desk is closed and reopened, and keeps chaining', () => {
    someActivity();
    t.close();
    t = openTestDesk(tmp.dir, deskKey, { auditKey, user: null });
    someActivity();
    expect(t.audit.verify()).toEqual({ ok: true, entries: 14, brokenAt: null, reason: null });
  });
});
