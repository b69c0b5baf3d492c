// A growable ring buffer keyed by a dense, increasing integer (input index or completion
// number). Used by mapConcurrent to hold completed results without per-item allocation.

/** Marks an empty slot; never a user value because it is private to this module. */
export const EMPTY: unique symbol = Symbol('empty')

export class Ring<T> {
  #slots: Array<T | typeof EMPTY>
  #mask: number

  constructor(capacity: number) {
    let size = 8
    while (size < capacity && size < 1024) size *= 2
    this.#slots = new Array(size).fill(EMPTY)
    this.#mask = size - 1
  }

  /** Stores `value` under `key`; `head` is the smallest key still held. */
  set(key: number, value: T, head: number): void {
    if (key - head > this.#mask) this.#grow(key - head + 1, head)
    this.#slots[key & this.#mask] = value
  }

  /** Takes the value under `key` out, or returns {@link EMPTY}. */
  take(key: number): T | typeof EMPTY {
    const slot = key & this.#mask
    const value = this.#slots[slot] as T | typeof EMPTY
    if (value !== EMPTY) this.#slots[slot] = EMPTY
    return value
  }

  has(key: number): boolean {
    return this.#slots[key & this.#mask] !== EMPTY
  }

  clear(): void {
    this.#slots.fill(EMPTY)
  }

  #grow(needed: number, head: number): void {
    const old = this.#slots
    const oldMask = this.#mask
    let size = old.length * 2
    while (size < needed) size *= 2
    const slots = new Array<T | typeof EMPTY>(size).fill(EMPTY)
    const mask = size - 1
    for (let key = head; key <= head + oldMask; key++) slots[key & mask] = old[key & oldMask]!
    this.#slots = slots
    this.#mask = mask
  }
}
