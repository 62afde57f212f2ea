/**
 * Keeps the k best of a stream of items by a comparator (negative when a ranks before b), in
 * O(n log k): a search over tens of thousands of candidates needs only its first page in order.
 */
export class TopK {
  private readonly heap: number[] = [];

  constructor(
    private readonly k: number,
    private readonly compare: (a: number, b: number) => number,
  ) {}

  push(item: number): void {
    const h = this.heap;
    if (h.length < this.k) {
      h.push(item);
      this.up(h.length - 1);
    } else if (this.k > 0 && this.compare(item, h[0]!) < 0) {
      h[0] = item;
      this.down(0);
    }
  }

  /** True once k items are kept: from then on a newcomer must rank before worst() to be kept. */
  get full(): boolean {
    return this.heap.length >= this.k;
  }

  /** The worst item kept (undefined when none). */
  worst(): number | undefined {
    return this.heap[0];
  }

  /** The kept items, best first. */
  sorted(): number[] {
    return [...this.heap].sort(this.compare);
  }

  // The heap keeps the worst kept item at its root, so a better newcomer replaces it.
  private worse(a: number, b: number): boolean {
    return this.compare(this.heap[a]!, this.heap[b]!) > 0;
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a]!;
    this.heap[a] = this.heap[b]!;
    this.heap[b] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let worst = i;
      if (l < n && this.worse(l, worst)) worst = l;
      if (r < n && this.worse(r, worst)) worst = r;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }
}
