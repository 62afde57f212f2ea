import {
  CALLER_TYPE_LABELS,
  CONTACT_ROUTE_LABELS,
  OUTCOME_CODES,
  RISK_STATUS_LABELS,
  type CallRecordContent,
  type OutcomeCode,
} from '../../../../shared/domain/call-record';
import { recordFieldLabel } from '../../../../shared/domain/record-fields';
import { toLocalText } from '../../lib/time';
import { formatDateOfBirth } from '../call/form-model';
import { CONSENT_LABELS, INTERVENTION_LABELS, PRESENTING_CATEGORY_LABELS, REFERRAL_METHOD_LABELS, RISK_INDICATOR_LABELS } from '../call/labels';

/*
 * What differs between this desk's version of a call record and the server's, field by field, in
 * the clinician's words: the conflicts view shows these rows side by side, and the merge editor
 * opens the sections they belong to.
 */

export type SectionId = 'sec-caller' | 'sec-need' | 'sec-risk' | 'sec-interventions' | 'sec-outcome' | 'sec-referrals' | 'sec-callback' | 'sec-consent' | 'call';

export interface Difference {
  /** Path of the field in the record ('risk.toSelf.notes'); a list is one field. */
  path: string;
  section: SectionId;
  label: string;
  mine: string;
  theirs: string;
  /** Free text, worth a word-by-word comparison. */
  prose: boolean;
}

export const SECTION_TITLES: Record<SectionId, string> = {
  call: 'Call',
  'sec-caller': 'Caller',
  'sec-need': 'Presenting need',
  'sec-risk': 'Risk',
  'sec-interventions': 'Interventions',
  'sec-outcome': 'Outcome',
  'sec-referrals': 'Referrals',
  'sec-callback': 'Callback',
  'sec-consent': 'Consent',
};

const SECTION_OF: Record<string, SectionId> = {
  startedAt: 'call',
  endedAt: 'call',
  contactRoute: 'sec-caller',
  caller: 'sec-caller',
  presentingNeed: 'sec-need',
  risk: 'sec-risk',
  interventions: 'sec-interventions',
  outcome: 'sec-outcome',
  referrals: 'sec-referrals',
  callback: 'sec-callback',
  consent: 'sec-consent',
};

const PROSE = new Set([
  'presentingNeed.summary',
  'risk.toSelf.notes',
  'risk.toOthers.notes',
  'risk.fromOthers.notes',
  'risk.safeguarding.notes',
  'risk.formulation',
  'interventions.notes',
  'outcome.notes',
  'callback.reason',
  'consent.notes',
  'caller.aboutPerson',
]);

export const NOT_RECORDED = 'Not recorded';

const labelled = (labels: Record<string, string>) => (v: unknown) => (typeof v === 'string' ? (labels[v] ?? v) : String(v));
const INDICATOR = labelled(RISK_INDICATOR_LABELS);

/** A field's value as the clinician reads it. */
export function formatValue(path: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return NOT_RECORDED;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (path === 'referrals') {
    const list = value as CallRecordContent['referrals'];
    return list.length === 0 ? 'None' : list.map((r) => `${r.serviceName} (${REFERRAL_METHOD_LABELS[r.method].split(' (')[0]})${r.notes.trim() ? `: ${r.notes.trim()}` : ''}`).join('; ');
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return 'None';
    const name = path === 'presentingNeed.categories' ? labelled(PRESENTING_CATEGORY_LABELS) : path === 'interventions.items' ? labelled(INTERVENTION_LABELS) : INDICATOR;
    return value.map(name).join(', ');
  }
  switch (path) {
    case 'contactRoute':
      return labelled(CONTACT_ROUTE_LABELS)(value);
    case 'caller.type':
      return labelled(CALLER_TYPE_LABELS)(value);
    case 'caller.dateOfBirth':
      return formatDateOfBirth(value as string);
    case 'outcome.code':
      return `${value as string} · ${OUTCOME_CODES[value as OutcomeCode] ?? ''}`;
    case 'consent.informationSharing':
      return labelled(CONSENT_LABELS)(value);
    case 'startedAt':
    case 'endedAt':
    case 'callback.dueAt':
    case 'callback.completedAt':
      return toLocalText(value as string);
  }
  if (path.endsWith('.status')) return labelled(RISK_STATUS_LABELS)(value);
  return String(value);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every field that differs, in the order of the record. */
export function differences(mine: CallRecordContent, theirs: CallRecordContent): Difference[] {
  const out: Difference[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (isObject(a) && isObject(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], path ? `${path}.${k}` : k);
      return;
    }
    if (JSON.stringify(a ?? null) === JSON.stringify(b ?? null)) return;
    out.push({
      path,
      section: SECTION_OF[path.split('.')[0]!] ?? 'call',
      label: recordFieldLabel(path),
      mine: formatValue(path, a),
      theirs: formatValue(path, b),
      prose: PROSE.has(path),
    });
  };
  walk(mine, theirs, '');
  return out;
}

export interface Segment {
  text: string;
  /** Not in the other version. */
  changed: boolean;
}

/**
 * Word-by-word comparison of two texts (longest common subsequence of words, whitespace kept with
 * the word before it): the words each version has that the other does not are marked. Long texts
 * (over 4,000 words between them) are compared as whole texts, to keep the screen responsive.
 */
export function wordDiff(a: string, b: string): { mine: Segment[]; theirs: Segment[] } {
  const wa = a.match(/\S+\s*|\s+/g) ?? [];
  const wb = b.match(/\S+\s*|\s+/g) ?? [];
  if (wa.length + wb.length > 4000) return { mine: [{ text: a, changed: a !== b }], theirs: [{ text: b, changed: a !== b }] };
  const key = (w: string) => w.trim();
  const n = wa.length;
  const m = wb.length;
  // lcs[i][j]: length of the longest common subsequence of wa[i..] and wb[j..].
  const lcs: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = key(wa[i]!) === key(wb[j]!) ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const mine: Segment[] = [];
  const theirs: Segment[] = [];
  const push = (list: Segment[], text: string, changed: boolean) => {
    const last = list[list.length - 1];
    if (last && last.changed === changed) last.text += text;
    else list.push({ text, changed });
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && key(wa[i]!) === key(wb[j]!)) {
      push(mine, wa[i++]!, false);
      push(theirs, wb[j++]!, false);
    } else if (j >= m || (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      push(mine, wa[i++]!, true);
    } else {
      push(theirs, wb[j++]!, true);
    }
  }
  return { mine: unmarkSpaces(mine), theirs: unmarkSpaces(theirs) };
}

/** Spaces at the edges of a marked run are not part of the change: they are left unmarked. */
function unmarkSpaces(segments: Segment[]): Segment[] {
  const out: Segment[] = [];
  const add = (text: string, changed: boolean) => {
    if (!text) return;
    const last = out[out.length - 1];
    if (last && last.changed === changed) last.text += text;
    else out.push({ text, changed });
  };
  for (const s of segments) {
    if (!s.changed) {
      add(s.text, false);
      continue;
    }
    const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(s.text)!;
    add(m[1]!, false);
    add(m[2]!, true);
    add(m[3]!, false);
  }
  return out;
}

/** The sections a merge by hand needs to show: those with a difference, in the record's order. */
export function sectionsToMerge(diffs: readonly Difference[]): SectionId[] {
  const order: SectionId[] = ['sec-caller', 'sec-need', 'sec-risk', 'sec-interventions', 'sec-outcome', 'sec-referrals', 'sec-callback', 'sec-consent'];
  const wanted = new Set(diffs.map((d) => d.section));
  return order.filter((s) => wanted.has(s));
}
