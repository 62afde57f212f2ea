import { DESK_HEADER } from '../../../shared/sync/protocol';

/** The desk's clientId as a request names it (DESK_HEADER), or null when it names none or nothing well-formed. */
export function sentDesk(headers: Record<string, string | string[] | undefined>): string | null {
  const sent = headers[DESK_HEADER];
  return typeof sent === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(sent) ? sent : null;
}
