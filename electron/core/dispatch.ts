import type { z } from 'zod';
import { CoreError, hasErrorCode, isMethodName, isShellMethod, METHODS, type ContractError, type CoreMethodName, type Envelope, type ParsedParamsOf, type ResultOf } from '../../shared/contract';
import { describeSqliteError, type StorageContext } from './db/sqlite-errors';

/** One handler per method the core serves (the shell's `app.*` methods are Electron main's). */
export type Handlers = {
  [M in CoreMethodName]: (params: ParsedParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>>;
};

function fieldPath(path: PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[') || '(params)';
}

function invalidParams(method: string, issues: z.core.$ZodIssue[]): ContractError {
  const fields = issues.map((i) => ({ field: fieldPath(i.path), message: i.message }));
  const first = fields[0]!;
  return { code: 'invalid_params', message: `${method}: ${first.field} — ${first.message}`, fields };
}

/**
 * Turns anything thrown by a handler into an error a person can act on. Never rethrows. `storage`
 * says where the desk's files are and when it happened, so a full disk is told as one.
 */
export function toContractError(e: unknown, storage?: StorageContext): ContractError {
  if (e instanceof CoreError) return e.toContractError();
  const sqlite = describeSqliteError(e, storage);
  if (sqlite) return sqlite;
  return { code: 'internal', message: 'The desk hit an unexpected error. Your work is saved; try again, and tell IT if it keeps happening.' };
}

/**
 * Validates a call against the contract and runs its handler. Whatever arrives (an unknown method,
 * malformed params, a handler that throws), the answer is an envelope: nothing throws across.
 */
export async function dispatch(
  handlers: Handlers,
  method: unknown,
  params: unknown,
  onInternalError?: (e: unknown) => void,
  storage?: StorageContext,
): Promise<Envelope<unknown>> {
  if (!isMethodName(method)) {
    return { ok: false, error: { code: 'unknown_method', message: `The desk has no method called ${JSON.stringify(String(method)).slice(0, 80)}.` } };
  }
  if (isShellMethod(method)) {
    return { ok: false, error: { code: 'unknown_method', message: `${method} is answered by the Crisis Desk desktop app; this desk has no screen lock.` } };
  }
  const parsed = METHODS[method].params.safeParse(params ?? {});
  if (!parsed.success) return { ok: false, error: invalidParams(method, parsed.error.issues) };
  try {
    const handler = handlers[method as CoreMethodName] as (p: unknown) => unknown;
    return { ok: true, value: await handler(parsed.data) };
  } catch (e) {
    const error = toContractError(e, storage);
    if (hasErrorCode(error, 'internal')) onInternalError?.(e);
    return { ok: false, error };
  }
}
