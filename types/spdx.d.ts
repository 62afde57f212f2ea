// spdx-satisfies and spdx-expression-parse ship no types; only what scripts/release/sbom.ts uses.
declare module 'spdx-satisfies' {
  /** Whether the SPDX expression is satisfied by the licences in the allow-list. Throws on an expression that does not parse. */
  export default function spdxSatisfies(expression: string, allowed: string[]): boolean;
}
declare module 'spdx-expression-parse' {
  export default function parse(expression: string): unknown;
}
