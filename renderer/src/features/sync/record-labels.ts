import { useEffect, useState } from 'react';
import type { CallRecord } from '../../../../shared/domain/call-record';
import { desk } from '../../client/desk';

/**
 * The records behind a list of conflicts or rejected changes, fetched from the core so each can be
 * named the way the clinician knows it (caller and start time). Refetched when `key` changes.
 */
export function useRecords(ids: readonly string[], key: unknown): Map<string, CallRecord> {
  const [records, setRecords] = useState<Map<string, CallRecord>>(new Map());
  const wanted = [...new Set(ids)].sort().join(',');
  useEffect(() => {
    let live = true;
    const list = wanted ? wanted.split(',') : [];
    void Promise.all(list.map((id) => desk().call('calls.get', { id }))).then((answers) => {
      if (!live) return;
      const m = new Map<string, CallRecord>();
      for (const a of answers) if (a.ok) m.set(a.value.id, a.value);
      setRecords(m);
    });
    return () => {
      live = false;
    };
  }, [wanted, key]);
  return records;
}

/** "Alex Example" / "Anonymous caller" / "Caller not recorded". */
export function callerName(r: CallRecord | undefined): string {
  if (!r) return 'Call record';
  const c = r.content.caller;
  if (c.name.trim()) return c.name.trim();
  if (c.anonymous) return 'Anonymous caller';
  return 'Caller not recorded';
}
