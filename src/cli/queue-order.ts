// `fetch --queue --ordered`: the coordinator's reorder buffer. Workers commit records as they
// finish; the coordinator learns the input order from its own producer (each line as it is
// enqueued) and writes a record once every line before it is written. A batch of collected
// records is acked only once all of its records are written, so a crash loses nothing: what
// was buffered and not written comes back from Redis to `--resume`.
//
// Memory: a slow line holds back every record after it, as with plain `fetch --ordered`. Plain
// fetch bounds that by pulling no new input (at most --concurrency results held); here the
// unacked records keep the job's results stream long, and workers stop taking lines while it
// holds ORDERED_BACKLOG records (queue-job.ts), so the buffer holds about that many records,
// plus the lines the workers had leased, until the slow line arrives.

/** A batch of collected records: acked once none of its records is left to write. */
interface Held {
  left: number
  readonly ack: () => Promise<void>
}

/**
 * Records of a job in input order. `expect` the lines in input order (only those to be
 * written), `add` the collected batches, then `take` what can be written now.
 * @example
 * const order = new RecordOrder<string>()
 * order.expect(1); order.expect(2)
 * order.add([{ line: 2, value: 'b' }], ack)
 * order.take().values // []: line 1 is missing
 */
export class RecordOrder<T> {
  /** Lines to write, in input order; `#head` is the next one. */
  #expected: number[] = []
  #head = 0
  #waiting = new Map<number, { readonly value: T; readonly batches: Held[] }>()
  #acks: (() => Promise<void>)[] = []
  #lastWritten = 0

  /** Records held, waiting for an earlier line. */
  get size(): number {
    return this.#waiting.size
  }

  /** Lines expected and not written yet. */
  get behind(): number {
    return this.#expected.length - this.#head
  }

  /** Notes the next line of the input that will have a record to write (ascending). */
  expect(line: number): void {
    this.#expected.push(line)
  }

  /**
   * Holds a collected batch's records. A line at or before the last one written, or one
   * already held, comes again (re-read after a Redis error): it only joins this batch's ack
   * to the record that is written. `ack` runs (through {@link take}) once no record of this
   * batch is left to write.
   */
  add(records: readonly { readonly line: number; readonly value: T }[], ack: () => Promise<void>) {
    const held: Held = { left: 0, ack }
    for (const { line, value } of records) {
      if (line <= this.#lastWritten) continue
      const waiting = this.#waiting.get(line)
      if (waiting !== undefined) waiting.batches.push(held)
      else this.#waiting.set(line, { value, batches: [held] })
      held.left++
    }
    if (held.left === 0) this.#acks.push(ack)
  }

  /**
   * The records that can be written now, in input order, and the acks of the batches they
   * complete: call those only after the write is durable.
   */
  take(): { values: T[]; acks: (() => Promise<void>)[] } {
    const values: T[] = []
    const acks = this.#acks
    this.#acks = []
    while (this.#head < this.#expected.length) {
      const line = this.#expected[this.#head]!
      const waiting = this.#waiting.get(line)
      if (waiting === undefined) break
      this.#waiting.delete(line)
      this.#head++
      this.#lastWritten = line
      values.push(waiting.value)
      for (const held of waiting.batches) if (--held.left === 0) acks.push(held.ack)
    }
    // Drop the written part now and then, not on every record.
    if (this.#head > 4096 && this.#head * 2 > this.#expected.length) {
      this.#expected = this.#expected.slice(this.#head)
      this.#head = 0
    }
    return { values, acks }
  }
}
