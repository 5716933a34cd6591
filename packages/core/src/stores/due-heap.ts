/** An entry of a {@link DueHeap}: ordered by `due`, then `seq` (arrival order). */
export interface DueEntry<T> {
  due: number
  seq: number
  /** Stale when it no longer equals the item's version: lazy deletion instead of a search. */
  version: number
  item: T
}

/**
 * A binary min-heap of items by due time, then arrival order. Push and pop are O(log n); updating
 * an item means pushing a new entry with a new version and letting the old one be skipped.
 */
export class DueHeap<T> {
  readonly #a: DueEntry<T>[] = []

  get size(): number {
    return this.#a.length
  }

  push(entry: DueEntry<T>): void {
    const a = this.#a
    a.push(entry)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!less(a[i]!, a[p]!)) break
      ;[a[i], a[p]] = [a[p]!, a[i]!]
      i = p
    }
  }

  peek(): DueEntry<T> | undefined {
    return this.#a[0]
  }

  pop(): DueEntry<T> | undefined {
    const a = this.#a
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && less(a[l]!, a[m]!)) m = l
        if (r < a.length && less(a[r]!, a[m]!)) m = r
        if (m === i) break
        ;[a[i], a[m]] = [a[m]!, a[i]!]
        i = m
      }
    }
    return top
  }
}

function less<T>(x: DueEntry<T>, y: DueEntry<T>): boolean {
  return x.due < y.due || (x.due === y.due && x.seq < y.seq)
}
