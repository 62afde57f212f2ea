import { METHODS, type CoreEvents, type CrisisDeskClient, type Envelope, type EventName, type MethodName, type ParamsOf, type ResultOf } from '../../../shared/contract';
import { emptyCallRecordContent, type CallRecord } from '../../../shared/domain/call-record';

/*
 * A stand-in for the core in component tests: call records in memory with the core's revision
 * rule, and any method answered by a handler the test sets. Every call is recorded, and its
 * params are checked against the contract as the core checks them (so a screen that sends what
 * the core would refuse fails here too). A test pushes the core's events with emit.
 */

type Handler = (params: unknown) => Envelope<unknown> | Promise<Envelope<unknown>>;

export interface FakeDesk extends CrisisDeskClient {
  calls: { method: MethodName; params: unknown }[];
  records: Map<string, CallRecord>;
  handle<M extends MethodName>(method: M, fn: (params: ParamsOf<M>) => Envelope<ResultOf<M>> | Promise<Envelope<ResultOf<M>>>): void;
  /** Sends an event to the screen's listeners, as the core does. */
  emit<E extends EventName>(event: E, payload: CoreEvents[E]): void;
}

export function fakeDesk(): FakeDesk {
  const records = new Map<string, CallRecord>();
  const handlers = new Map<string, Handler>();
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  /** The record open on this desk, as the core keeps it (calls.setOpenOnDesk). */
  let openId: string | null = null;
  let n = 0;
  const at = () => new Date(Date.UTC(2026, 10, 22, 14, 0, n++)).toISOString();
  const ok = <T>(value: T): Envelope<T> => ({ ok: true, value });

  const defaults: Partial<Record<MethodName, Handler>> = {
    'calls.create': (p) => {
      const authorId = (p as { authorId?: string | null } | undefined)?.authorId ?? null;
      const id = `0190f0f0-0000-7000-8000-${String(records.size + 1).padStart(12, '0')}`;
      const now = at();
      const r: CallRecord = {
        id,
        status: 'draft',
        revision: 1,
        createdAt: now,
        updatedAt: now,
        finalisedAt: null,
        discardedAt: null,
        discardReason: null,
        contentHash: null,
        content: emptyCallRecordContent(now),
        addenda: [],
        createdBy: authorId ? { userId: authorId, displayName: authorId } : null,
        updatedBy: authorId ? { userId: authorId, displayName: authorId } : null,
        finalisedBy: null,
        discardedBy: null,
        unclaimedChanges: 0,
      };
      records.set(id, r);
      return ok(structuredClone(r));
    },
    'calls.get': (p) => {
      const r = records.get((p as { id: string }).id);
      return r ? ok(structuredClone(r)) : { ok: false, error: { code: 'not_found', message: 'There is no call record with this id on this desk.' } };
    },
    'calls.save': (p) => {
      const { id, revision, content } = p as { id: string; revision: number; content: CallRecord['content'] };
      const r = records.get(id)!;
      if (r.revision !== revision) return { ok: false, error: { code: 'revision_conflict', message: `This record has changed since this copy was opened.` } };
      r.revision++;
      r.content = structuredClone(content);
      r.updatedAt = at();
      return ok({ id, revision: r.revision, savedAt: r.updatedAt });
    },
    'calls.list': () => ok([]),
    'calls.openOnDesk': () => {
      const r = openId ? records.get(openId) : undefined;
      return ok(r && r.status !== 'discarded' ? structuredClone(r) : null);
    },
    'calls.setOpenOnDesk': (p) => {
      openId = (p as { id: string | null }).id;
      return ok(null);
    },
    'directory.search': () => ok({ results: [], total: 0, origin: null, place: null, evaluatedAt: at(), directory: { services: 3000, version: '1', publishedAt: null, syncedAt: null, bankHolidaysCoverUntil: '2027-12-31' } }),
  };

  const desk: FakeDesk = {
    calls: [],
    records,
    async call(method, params) {
      desk.calls.push({ method, params });
      const parsed = METHODS[method].params.safeParse(params ?? {});
      if (!parsed.success) {
        const first = parsed.error.issues[0]!;
        return { ok: false, error: { code: 'invalid_params', message: `${method}: ${first.path.join('.')} — ${first.message}` } } as never;
      }
      const h = handlers.get(method) ?? defaults[method];
      if (!h) return { ok: false, error: { code: 'unknown_method', message: `No fake for ${method}` } } as never;
      return (await h(params)) as never;
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    handle(method, fn) {
      handlers.set(method, fn as Handler);
    },
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) (listener as (p: typeof payload) => void)(payload);
    },
  };
  return desk;
}
