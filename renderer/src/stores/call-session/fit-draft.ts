import { DRAFT_MAX_BYTES, DraftContent, jsonBytes } from '../../../../shared/domain/call-record';

/*
 * A draft takes any one field far past its clinical limit, but the whole record has a bound
 * (DRAFT_MAX_BYTES, about a million characters) so that it fits every transport. Should what is on
 * screen go past it — a paste of several megabytes — the rest of the record must still be saved:
 * the fields to blame keep the value they last had in a save (their text stays on screen, marked
 * "not saved" at the field) and everything else is saved as usual.
 */

export interface FittedDraft {
  /** What to save: always a valid DraftContent. */
  content: DraftContent;
  /** Paths of the fields whose text is on screen but held back from the save. */
  heldBack: string[];
}

type Json = Record<string, unknown>;

function get(value: unknown, path: (string | number)[]): unknown {
  let v = value;
  for (const k of path) v = v && typeof v === 'object' ? (v as Json)[k as string] : undefined;
  return v;
}

function set(value: unknown, path: (string | number)[], to: unknown): void {
  const parent = get(value, path.slice(0, -1)) as Json;
  parent[path.at(-1) as string] = to;
}

/** Every string in the content with its path, largest first. */
function stringLeaves(value: unknown, path: (string | number)[] = [], out: { path: (string | number)[]; bytes: number }[] = []) {
  if (typeof value === 'string') out.push({ path, bytes: jsonBytes(value) });
  else if (Array.isArray(value)) value.forEach((v, i) => stringLeaves(v, [...path, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) stringLeaves(v, [...path, k], out);
  return out;
}

const dotted = (path: (string | number)[]) => (path[0] === 'typed' ? String(path[1]) : path.join('.'));

/**
 * The draft to save for `next` (the form as it stands), given `base`, the last draft sent to be
 * saved (a valid DraftContent). Almost always `next` itself.
 */
export function fitDraft(next: DraftContent, base: DraftContent): FittedDraft {
  const first = DraftContent.safeParse(next);
  if (first.success) return { content: next, heldBack: [] };
  const content = structuredClone(next);
  const held = new Set<string>();
  const holdBack = (path: (string | number)[]) => {
    const before = get(base, path);
    set(content, path, typeof before === 'string' ? before : '');
    held.add(dotted(path));
  };
  // A value the draft schema refuses on its own (nothing the form makes, but the class is closed here).
  for (const issue of first.error.issues) {
    const path = issue.path as (string | number)[];
    if (path.length > 0 && typeof get(content, path) === 'string') holdBack(path);
  }
  // Over the whole-record bound: hold back the largest texts that changed, largest first.
  if (jsonBytes(content) > DRAFT_MAX_BYTES) {
    for (const leaf of stringLeaves(content).sort((a, b) => b.bytes - a.bytes)) {
      if (get(content, leaf.path) === get(base, leaf.path)) continue;
      holdBack(leaf.path);
      if (jsonBytes(content) <= DRAFT_MAX_BYTES) break;
    }
  }
  if (!DraftContent.safeParse(content).success) {
    // Only the list of referrals can still be too big: keep the one last saved.
    content.referrals = structuredClone(base.referrals);
    held.add('referrals');
  }
  return DraftContent.safeParse(content).success ? { content, heldBack: [...held] } : { content: base, heldBack: ['record'] };
}
