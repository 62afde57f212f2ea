import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, openSeededDatabase, type OpenedDatabase } from '../../../test/support/server-databases';
import { artefactCacheDir, fillCache } from './serve';
import { ArtefactError, CHUNK_BYTES, findArtefact, purgeAbandonedUploads, putArtefact, readArtefact } from './store';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('base64');
async function collect(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
/** The file in uneven pieces, as a network delivers it. */
function pieces(b: Buffer, sizes = [1, 7000, 65536, 1_000_003]): Readable {
  const out: Buffer[] = [];
  for (let i = 0, k = 0; i < b.length; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(b.subarray(i, i + n));
    i += n;
  }
  return Readable.from(out);
}

describe.each(DATABASE_KINDS)('the artefact store on %s', (_name, kind) => {
  let opened: OpenedDatabase;
  beforeAll(async () => {
    opened = await openSeededDatabase(kind);
  });
  afterAll(async () => opened.close());

  it('stores a file of any size in chunks and reads back every byte and any range', async () => {
    for (const size of [1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 2 * CHUNK_BYTES + 12345]) {
      const bytes = randomBytes(size);
      const { artefact, created } = await putArtefact(opened.db, pieces(bytes), { contentType: 'application/octet-stream', expectedSha256: sha256(bytes), maxBytes: 10 * CHUNK_BYTES });
      expect(created).toBe(true);
      expect(artefact).toMatchObject({ sha256: sha256(bytes), bytes: size, sha512: sha512(bytes), chunkBytes: CHUNK_BYTES });
      expect((await collect(readArtefact(opened.db, artefact))).equals(bytes)).toBe(true);
      for (const [s, e] of [[0, 0], [size - 1, size - 1], [Math.floor(size / 3), Math.floor((2 * size) / 3)], [Math.max(0, CHUNK_BYTES - 5), Math.min(size - 1, CHUNK_BYTES + 5)]] as const) {
        if (s > e) continue;
        expect((await collect(readArtefact(opened.db, artefact, s, e))).equals(bytes.subarray(s, e + 1)), `${size}: ${s}-${e}`).toBe(true);
      }
    }
  });

  it('keeps the same bytes once, whoever uploads them again', async () => {
    const bytes = randomBytes(3000);
    const first = await putArtefact(opened.db, Readable.from([bytes]), { contentType: 'application/octet-stream', maxBytes: 1e6 });
    const again = await putArtefact(opened.db, Readable.from([bytes]), { contentType: 'application/octet-stream', maxBytes: 1e6 });
    expect(again).toEqual({ artefact: first.artefact, created: false });
    const [{ n }] = (await opened.db.query<{ n: number }>('SELECT count(*)::int AS n FROM artefact_chunk c JOIN artefact a USING (content_id) WHERE a.sha256 = $1', [sha256(bytes)])) as [{ n: number }];
    expect(n).toBe(1);
    expect(await opened.db.query("SELECT 1 FROM artefact_chunk c WHERE NOT EXISTS (SELECT 1 FROM artefact a WHERE a.content_id = c.content_id) AND c.written_at > now() - interval '1 minute'")).toEqual([]);
  });

  it('refuses bytes that do not hash to the name given, or are too many, and keeps nothing of them', async () => {
    const bytes = randomBytes(CHUNK_BYTES + 10);
    const before = await opened.db.query('SELECT content_id FROM artefact_chunk');
    await expect(putArtefact(opened.db, Readable.from([bytes]), { contentType: 'x', expectedSha256: '0'.repeat(64), maxBytes: 1e9 })).rejects.toMatchObject({ code: 'sha256_mismatch' });
    await expect(putArtefact(opened.db, Readable.from([bytes]), { contentType: 'x', maxBytes: CHUNK_BYTES })).rejects.toBeInstanceOf(ArtefactError);
    await expect(putArtefact(opened.db, Readable.from([]), { contentType: 'x', maxBytes: 10 })).rejects.toMatchObject({ code: 'empty' });
    expect(await findArtefact(opened.db, sha256(bytes))).toBeNull();
    expect((await opened.db.query('SELECT content_id FROM artefact_chunk')).length).toBe(before.length);
  });

  it('never shows an upload in progress, even one whose writer died: it is purged later', async () => {
    const bytes = randomBytes(CHUNK_BYTES * 2 + 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      yield bytes.subarray(0, CHUNK_BYTES * 2);
      await gate;
      yield bytes.subarray(CHUNK_BYTES * 2);
    }
    const upload = putArtefact(opened.db, slow(), { contentType: 'x', maxBytes: 1e9 });
    // Two chunks are in the database, the artefact is not.
    for (let i = 0; i < 100 && (await opened.db.query("SELECT 1 FROM artefact_chunk WHERE written_at > now() - interval '1 minute' AND NOT EXISTS (SELECT 1 FROM artefact a WHERE a.content_id = artefact_chunk.content_id)")).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await findArtefact(opened.db, sha256(bytes))).toBeNull();
    release();
    expect((await upload).artefact.sha256).toBe(sha256(bytes));
    // A dead upload: chunks with no artefact, older than a day.
    await opened.db.query("INSERT INTO artefact_chunk (content_id, n, data, written_at) VALUES ('0190a000-0000-7000-8000-00000000dead', 0, '\\x00', now() - interval '2 days')");
    expect(await purgeAbandonedUploads(opened.db)).toBe(1);
    expect((await collect(readArtefact(opened.db, (await findArtefact(opened.db, sha256(bytes)))!))).equals(bytes)).toBe(true);
  });

  it('refuses to change a stored artefact or its chunks', async () => {
    const { artefact } = await putArtefact(opened.db, Readable.from([randomBytes(10)]), { contentType: 'x', maxBytes: 100 });
    await expect(opened.db.query('UPDATE artefact SET bytes = 1 WHERE sha256 = $1', [artefact.sha256])).rejects.toThrow(/immutable/);
    await expect(opened.db.query("UPDATE artefact_chunk SET data = '\\x00' WHERE content_id = $1", [artefact.contentId])).rejects.toThrow(/immutable/);
  });

  it('fills a node’s cache only with the whole, checked file; a deleted cache is filled again', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'artefact-cache-'));
    try {
      const bytes = randomBytes(CHUNK_BYTES + 77);
      const { artefact } = await putArtefact(opened.db, Readable.from([bytes]), { contentType: 'x', maxBytes: 1e9 });
      await Promise.all([fillCache(opened.db, dataDir, artefact), fillCache(opened.db, dataDir, artefact)]);
      const file = path.join(artefactCacheDir(dataDir), artefact.sha256);
      expect(readFileSync(file).equals(bytes)).toBe(true);
      rmSync(artefactCacheDir(dataDir), { recursive: true });
      await fillCache(opened.db, dataDir, artefact);
      expect(readFileSync(file).equals(bytes)).toBe(true);
      writeFileSync(path.join(artefactCacheDir(dataDir), 'unrelated'), 'x');
      expect(existsSync(file)).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
