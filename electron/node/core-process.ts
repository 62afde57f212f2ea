/**
 * V8 flags for the process the desk core runs in, wherever that is (Electron's utilityProcess, the
 * browser host). Loading 100,000 services into the search index grows V8's young generation to its
 * default maximum, and V8 keeps it: capped at 4 MiB per semi-space the core's resident memory stays
 * about 20 MiB lower (DESIGN.md §10 asks ≤ 150 MiB), measured with no cost to search times.
 */
export const CORE_PROCESS_V8_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * Environment for the core's process, on top of its parent's. glibc's malloc (Linux) raises its
 * trim threshold as large blocks are freed and then keeps, in every thread's arena, what SQLite and
 * V8 free instead of handing it back. Fixing the thresholds (which also stops them moving): large
 * blocks stay in the heap as they would once the threshold had risen to its 64-bit maximum of
 * 32 MiB (at glibc's starting 128 KiB, FTS5's buffers for a common word were mapped and unmapped at
 * every search: 8–15 % more CPU per search), and anything over 128 KiB free at a heap's top goes
 * back. A bundled core after open and 680 searches: RSS 145–150 → 130–135 MiB, search CPU within
 * the noise (seven runs of each alternating, 7 December). Other platforms ignore these names.
 */
export const CORE_PROCESS_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(128 * 1024),
};
