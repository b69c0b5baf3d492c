// Which line numbers a coordinator has written in this run: one bit per line, so 100 million
// lines cost 12.5 MB. After Redis lost writes, lines come back and are recorded again; the
// file keeps the first record only.

export class LineSet {
  #bits = new Uint8Array(1024)

  /** Adds `line`; false when it was there already. */
  add(line: number): boolean {
    if (!Number.isSafeInteger(line) || line < 0) return true
    const byte = line >>> 3
    if (byte >= this.#bits.length) {
      let capacity = this.#bits.length
      while (capacity <= byte) capacity *= 2
      const grown = new Uint8Array(capacity)
      grown.set(this.#bits)
      this.#bits = grown
    }
    const mask = 1 << (line & 7)
    if ((this.#bits[byte]! & mask) !== 0) return false
    this.#bits[byte]! |= mask
    return true
  }
}
