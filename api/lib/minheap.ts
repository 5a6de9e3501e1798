/**
 * A binary min-heap of (key, int value) pairs in typed arrays, for Dijkstra with lazy deletion (the
 * caller skips stale entries when it pops them; api/lib/roadnet.ts).
 */
export class MinHeap {
  private keys = new Float64Array(256)
  private vals = new Int32Array(256)
  size = 0

  /** Add an entry. */
  push(key: number, val: number) {
    if (this.size === this.keys.length) {
      const k = new Float64Array(this.size * 2), v = new Int32Array(this.size * 2)
      k.set(this.keys)
      v.set(this.vals)
      this.keys = k
      this.vals = v
    }
    let i = this.size++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (this.keys[parent] <= key) break
      this.keys[i] = this.keys[parent]
      this.vals[i] = this.vals[parent]
      i = parent
    }
    this.keys[i] = key
    this.vals[i] = val
  }

  /** Smallest key (the heap must not be empty). */
  topKey(): number {
    return this.keys[0]
  }

  /** Remove the smallest entry and return its value. */
  pop(): number {
    const top = this.vals[0]
    const key = this.keys[--this.size], val = this.vals[this.size]
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= this.size) break
      if (child + 1 < this.size && this.keys[child + 1] < this.keys[child]) child++
      if (this.keys[child] >= key) break
      this.keys[i] = this.keys[child]
      this.vals[i] = this.vals[child]
      i = child
    }
    this.keys[i] = key
    this.vals[i] = val
    return top
  }

  /** Drop every entry (the arrays stay allocated for the next search). */
  clear() {
    this.size = 0
  }
}
