import { JSONParser } from '@streamparser/json';
import { isObject, type JsonObject } from './json-values';
import { JsonFeedAssembler, LIST_KEYS, listKeyOf, readSingleObject, type AssembledRecord, type DocumentSummary } from './read-json-document';

/*
 * A JSON feed read as it arrives, item by item (@streamparser/json): the items of the document's
 * list (a bare list, or `contents`, `content` or `services`) are handed on one at a time and
 * dropped from the parser's memory, so a document of any length is read in the memory of one of
 * its items. The rest of the document (paging fields, an organisation's own fields) is kept.
 */

/** The document could not be read to its end: not JSON, or cut short. Records before the fault were read. */
export class MalformedJson extends Error {}

const BOM = [0xef, 0xbb, 0xbf];

/**
 * The records of a JSON document given as chunks of bytes, in order. `out.summary` says what the
 * document was once it has been read to its end. Throws MalformedJson (after yielding what came
 * before) when the bytes are not one JSON document; the message never quotes the document.
 */
export async function* streamJsonRecords(chunks: AsyncIterable<Uint8Array>, out: { summary?: DocumentSummary }): AsyncGenerator<AssembledRecord> {
  const parser = new JSONParser({ paths: [...LIST_KEYS.map((k) => `$.${k}.*`), '$.*', '$'], keepStack: true });
  // Set from the parser's callbacks: typed by hand so that narrowing does not assume it stays null.
  let assembler = null as JsonFeedAssembler | null;
  let root: unknown;
  let rootDone = false;
  let failure: string | null = null;
  let position = 0;
  const ready: AssembledRecord[] = [];

  parser.onValue = ({ value, key, parent, stack }) => {
    if (stack.length === 0) {
      root = value;
      rootDone = true;
      return;
    }
    const topLevelItem = stack.length === 1 && Array.isArray(parent);
    const listItem = stack.length === 2 && Array.isArray(parent) && typeof key === 'number' && (LIST_KEYS as readonly string[]).includes(String(stack[1]!.key));
    if (!topLevelItem && !listItem) return;
    if (!assembler) {
      const head = listItem && isObject(stack[1]!.value) ? (stack[1]!.value as JsonObject) : null;
      assembler = new JsonFeedAssembler(listItem ? (stack[1]!.key as (typeof LIST_KEYS)[number]) : '$', head);
    }
    ready.push(...assembler.push(value));
    // Handed on: the parser need not keep it.
    (parent as unknown[]).length = 0;
  };
  parser.onError = (e: Error) => {
    failure ??= /ended|mid-parsing|middle/i.test(e.message) ? `the document ends in the middle, after ${position} bytes` : `the document is not valid JSON at about byte ${position}`;
  };

  let first = true;
  for await (let chunk of chunks) {
    if (first) {
      first = false;
      if (chunk.length >= 3 && BOM.every((b, i) => chunk[i] === b)) chunk = chunk.subarray(3);
    }
    if (failure) break;
    try {
      if (rootDone) {
        if (/\S/.test(Buffer.from(chunk).toString('utf8'))) failure = `there is more after the end of the JSON document (at about byte ${position})`;
      } else parser.write(chunk);
    } catch {
      failure ??= `the document is not valid JSON at about byte ${position}`;
    }
    position += chunk.length;
    yield* ready.splice(0);
    if (assembler?.stopped) break;
  }
  if (!failure && !rootDone && !assembler?.stopped) {
    if (first) failure = 'the document is empty';
    else {
      try {
        parser.end();
      } catch {
        failure ??= `the document ends in the middle, after ${position} bytes`;
      }
      if (!rootDone) failure ??= `the document ends in the middle, after ${position} bytes`;
    }
  }
  yield* ready.splice(0);
  if (failure) throw new MalformedJson(failure);

  // A list with no items at all is still a list (an empty page).
  if (!assembler && Array.isArray(root)) assembler = new JsonFeedAssembler('$');
  const emptyList = !assembler && isObject(root) ? listKeyOf(root) : null;
  if (emptyList) assembler = new JsonFeedAssembler(emptyList, root as JsonObject);
  if (assembler) {
    const end = assembler.finish(isObject(root) ? root : null);
    yield* end.records;
    out.summary = end.summary;
    return;
  }
  // No list: a single object, or something that is not a feed at all.
  const single = readSingleObject(root);
  if ('reason' in single) {
    out.summary = { kind: 'not-a-feed', reason: single.reason };
    return;
  }
  const one = new JsonFeedAssembler('$');
  const records = one.push(single.record);
  const end = one.finish(null);
  yield* [...records, ...end.records];
  out.summary = end.summary.kind === 'services' ? { ...end.summary, listKey: null } : end.summary;
}
