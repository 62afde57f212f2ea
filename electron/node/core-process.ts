/**
 * V8 flags for the process the desk core runs in, wherever that is (Electron's utilityProcess, the
 * browser host). Loading 100,000 services into the search index grows V8's young generation to its
 * default maximum, and V8 keeps it: capped at 4 MiB per semi-space the core's resident memory stays
 * about 20 MiB lower (DESIGN.md §10 asks ≤ 150 MiB), measured with no cost to search times.
 */
export const CORE_PROCESS_V8_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
