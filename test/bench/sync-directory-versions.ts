import type { DirectoryService } from '../../shared/domain/directory';
import type { Probe } from './sync-jobs';

/** Words that make each version's probe service findable by a text search of its own. */
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november'];

/**
 * The benchmark's directory, version by version, identical for our server and PouchDB's. Version 1
 * is the generated directory with one service renamed as its probe; each later version renames
 * `changes` more services (the next block, its first active one the new probe), keeping earlier
 * changes.
 */
export class DirectoryVersions {
  private current: DirectoryService[];
  private probeIndex: number;
  version = 1;

  constructor(
    generated: readonly DirectoryService[],
    readonly changes: number,
  ) {
    if (generated.length === 0) throw new Error('the benchmark needs at least one service');
    this.current = [...generated];
    this.probeIndex = this.activeFrom(generated.length - 1, -1);
    this.rename(this.probeIndex, this.probeName(1));
  }

  get services(): readonly DirectoryService[] {
    return this.current;
  }

  /** The service a desk must find by text once it holds this version. */
  probe(): Probe {
    const s = this.current[this.probeIndex]!;
    return { id: s.id, name: s.name, text: s.name };
  }

  /** The next version; answers the services it changed. */
  next(): DirectoryService[] {
    this.version++;
    const start = ((this.version - 2) * this.changes) % this.current.length;
    this.probeIndex = this.activeFrom(start, 1);
    const changed: DirectoryService[] = [];
    for (let k = 0; k < this.changes; k++) {
      const i = (start + k) % this.current.length;
      const base = this.current[i]!.name.replace(/ · v\d+$/, '');
      changed.push(this.rename(i, i === this.probeIndex ? this.probeName(this.version) : `${base} · v${this.version}`));
    }
    return changed;
  }

  /** The first active service from an index on, going by step: searches leave closed services out. */
  private activeFrom(index: number, step: 1 | -1): number {
    const n = this.current.length;
    for (let k = 0; k < n; k++) {
      const i = (((index + k * step) % n) + n) % n;
      if (this.current[i]!.status === 'active') return i;
    }
    throw new Error('the benchmark needs an active service');
  }

  private probeName(version: number): string {
    return `Benchmark probe ${WORDS[(version - 1) % WORDS.length]} ${version}`;
  }

  private rename(i: number, name: string): DirectoryService {
    const s = { ...this.current[i]!, name };
    this.current[i] = s;
    return s;
  }
}

/** A service as a PouchDB document: the same JSON, keyed by its id. */
export const pouchDoc = (s: DirectoryService) => ({ _id: s.id, ...s });
