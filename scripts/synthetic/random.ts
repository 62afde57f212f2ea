import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** murmur3's 32-bit finaliser: spreads nearby integers (seed 1, seed 2) far apart. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

/**
 * A seeded pseudo-random source (xoroshiro128+ from pure-rand). `Random.stream(seed, n)` gives the
 * n-th independent stream of a seed, so service n can be generated from (seed, n) alone.
 */
export class Random {
  private constructor(private readonly gen: RandomGenerator) {}

  static stream(seed: number, stream = 0): Random {
    // Seeds beyond 32 bits keep their high bits (1 and 2**32 + 1 are different seeds).
    const a = mix32((seed ^ 0x9e3779b9) ^ mix32(Math.floor(seed / 2 ** 32)));
    const b = mix32(a ^ Math.imul(stream + 1, 0x632be5ab));
    const c = mix32(b ^ 0x7f4a7c15);
    const d = mix32(c ^ stream);
    // xoroshiro128+ must not start from an all-zero state.
    return new Random(xoroshiro128plusFromState([a, b, c, d | 1]));
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.gen, min, max);
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** Picks a value with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.float() * total;
    for (const [value, w] of entries) {
      r -= w;
      if (r < 0) return value;
    }
    return entries[entries.length - 1]![0];
  }

  /** Up to k distinct items, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = items.slice();
    const n = Math.min(k, copy.length);
    for (let i = 0; i < n; i++) {
      const j = this.int(i, copy.length - 1);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  }
}
