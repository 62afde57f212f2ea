import { randomUUID } from 'node:crypto';
import { emptyCallRecordContent } from '../../../shared/domain/call-record';
import { PushRequest, PushResponse, type PushItemResult } from '../../../shared/sync/protocol';
import { decide, type Writer } from './apply-mutation';

/*
 * The push path's code made ready when the server starts, not on the first desk's push. Measured
 * (docs/benchmarks.md, Push, round 3, each push split by the answer's Server-Timing): a server's
 * first batch of 500 spent 63–79 ms in validation against 11–22 ms for every later one — zod builds
 * PushRequest's checks on its first use and V8 compiles them as they run — and its apply 60–90 ms
 * more than the next: part of the benchmark's slow first run.
 *
 * A made-up batch, in memory only: checked as a request, each change decided as a new record
 * (nothing is read from or written to the database), the answers checked as a response. About
 * 50 ms of CPU once per process; in return the first real batch of 500 is checked in 22–33 ms of
 * CPU instead of 38–58 (three processes each, load 10). V8 still has more to learn from it: the
 * batches after it take 10–24 ms.
 */
const WARM_UP_CHANGES = 200;

export function warmUpPushPath(): void {
  const writer: Writer = { userId: 'warm-up', trustId: 'warm-up', teamId: 'warm-up', clientId: randomUUID() };
  const receivedAt = new Date().toISOString();
  const content = emptyCallRecordContent(receivedAt);
  content.presentingNeed = { categories: ['low_mood'], summary: 'Warm-up: no one.' };
  const request = PushRequest.parse(
    JSON.parse(
      JSON.stringify({
        clientId: writer.clientId,
        pending: 0,
        mutations: Array.from({ length: WARM_UP_CHANGES }, (_, i) => ({
          seq: i + 1, mutationId: randomUUID(), recordId: randomUUID(), baseRevision: null, deskTime: receivedAt, payload: { kind: 'upsert', content },
        })),
      }),
    ),
  );
  const results: PushItemResult[] = request.mutations.map((m) => {
    const d = decide(undefined, m, writer, () => undefined, receivedAt);
    if (d.status !== 'applied') throw new Error(`push warm-up: a new record was not applied (${d.status})`);
    return { seq: m.seq, mutationId: m.mutationId, status: 'applied', serverRevision: d.record?.revision ?? null, reason: null, serverContent: null };
  });
  JSON.stringify(PushResponse.parse({ results, lastSeq: WARM_UP_CHANGES }));
}
