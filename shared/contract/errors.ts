/** Stable error codes: the renderer may branch on these, so they never change meaning. */
export const ERROR_CODES = [
  'invalid_params',
  'unknown_method',
  'not_found',
  'revision_conflict',
  'record_finalised',
  'record_discarded',
  'finalise_incomplete',
  'postcode_invalid',
  'postcode_not_found',
  'directory_unavailable',
  'db_newer_version',
  'db_corrupt',
  'db_wrong_key',
  /** The disk is full (or a quota spent): nothing already saved is lost; saving resumes once there is room. */
  'storage_full',
  /** A write to the disk failed with room left on it: the disk may be failing or read-only. */
  'storage_failed',
  'audit_broken',
  /** The draft belongs to another clinician (or to nobody yet): only its author may change it. */
  'record_not_yours',
  /** Someone signed in or out on this desk since the screen last knew: the change was not made under the new person's name. */
  'session_changed',
  /** The change needs someone signed in (claiming unattributed changes). */
  'not_signed_in',
  'internal',
  /** The signed-in user may not do this (a shift summary of a team they do not lead). */
  'forbidden',
  /** A shift summary file could not be written where asked (a folder missing, no permission). */
  'export_failed',
  /** An export was cancelled before it finished: no file was left. */
  'cancelled',
  /** Raised by the screen's own client, never by the core: the core could not be reached or did not answer. */
  'core_unreachable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ContractError {
  code: ErrorCode;
  /** A sentence a clinician can act on. */
  message: string;
  /** For invalid_params and finalise_incomplete: which fields, and what is wrong with each. */
  fields?: { field: string; message: string }[];
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ContractError };

/** Thrown inside the core to answer with a specific code; never crosses the boundary as a throw. */
export class CoreError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: { field: string; message: string }[],
  ) {
    super(message);
    this.name = 'CoreError';
  }

  toContractError(): ContractError {
    return this.fields ? { code: this.code, message: this.message, fields: this.fields } : { code: this.code, message: this.message };
  }
}

/**
 * Whether an error carries one of these codes. Code that branches on an error asks this rather
 * than comparing strings: each code is checked against the contract's union, so a misspelt or
 * retired code fails to compile instead of never matching.
 */
export function hasErrorCode(error: { readonly code: ErrorCode } | null | undefined, ...codes: readonly ErrorCode[]): boolean {
  return error != null && codes.includes(error.code);
}
