import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { addendumHashFields, type DraftContent } from '../../../shared/domain/call-record';

/*
 * The fingerprints a desk puts on what it finalises, recomputed here exactly as the desk computes
 * them (electron/core/calls/call-rows.ts): sha256 hex of RFC 8785 canonical JSON. The desk-to-server
 * integration test pushes the desk's own output, so the two cannot drift apart unnoticed.
 */

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function contentHashOf(content: DraftContent): string {
  return sha256Hex(canonicalize(content)!);
}

export function addendumHashOf(a: { id: string; recordId: string; createdAt: string; text: string; callbackMadeAt: string | null }): string {
  return sha256Hex(canonicalize(addendumHashFields(a))!);
}
