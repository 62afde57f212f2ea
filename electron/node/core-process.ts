/**
 * V8 flags for the process the desk core runs in, wherever that is (Electron's utilityProcess, the
 * browser host). Loading 100,000 services into the search index grows V8's young generation to its
 * default maximum, and V8 keeps it: capped at 4 MiB per semi-space the core's resident memory stays
 * about 20 MiB lower (DESIGN.md §10 asks ≤ 150 MiB), measured with no cost to search times.
 */
export const CORE_PROCESS_V8_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * Environment for the core's process, on top of its parent's. glibc's malloc (Linux) raises its
 * mmap and trim thresholds each time a large block is freed, and then keeps what SQLite and V8 free
 * instead of handing it back: 27 MiB of malloc heap after open and searches, 14 MiB with the
 * thresholds fixed at glibc's own starting value, and the core's RSS 145 → 128 MiB, with the same
 * CPU for 340 searches (measured, 7 December). Other platforms' allocators ignore these names.
 */
export const CORE_PROCESS_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};
