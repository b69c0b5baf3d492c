import { checkLimit } from '../_internal/check.js'
import { callNext, callReturn, openIterator } from './_concurrent.js'
import { fromGeneratorDirect } from './_fused-adapters.js'
import type { Operator } from './_types.js'

/**
 * Reads up to `size` values ahead of the consumer, so a slow source and a slow consumer work
 * at the same time; the values come out unchanged and in order. The read-ahead is bounded: at
 * most `size` values wait, and only one `next()` is ever pending on the source.
 *
 * Reading starts on the first `next()`. If the source throws, the values read before the
 * error are yielded first, then the error is rethrown. Stopping early closes the source with
 * `return()` once, awaited, and drops the values read ahead.
 *
 * @param size - How many values may be read ahead: a positive integer.
 * @returns An operator that buffers its source.
 * @throws `RangeError` (or `TypeError`) at once when `size` is not a positive integer.
 * @example
 * import { buffer } from 'asyncwith/iter'
 *
 * for await (const n of buffer(2)([1, 2, 3])) console.log(n) // 1, 2, 3
 */
export function buffer<T>(size: number): Operator<T, T> {
  checkLimit('size', size, false)
  return (input) =>
    fromGeneratorDirect<T>(input, async function* bufferIterator(upstream) {
      const source = upstream as AsyncIterableIterator<T>
      const iterator = openIterator(source)
      const values: T[] = []
      let ended: { error: unknown } | 'done' | undefined
      let pulling = false
      let wake: (() => void) | undefined
      const notify = (): void => {
        const resolve = wake
        wake = undefined
        resolve?.()
      }
      const fill = (): void => {
        if (pulling || ended !== undefined || values.length >= size) return
        pulling = true
        const promise = callNext(iterator)
        promise.then(
          (result) => {
            pulling = false
            if (result.done) ended = 'done'
            else {
              values.push(result.value)
              fill()
            }
            notify()
          },
          (error: unknown) => {
            pulling = false
            ended = { error }
            notify()
          },
        )
      }
      let finished = false
      try {
        fill()
        while (true) {
          if (values.length > 0) {
            const value = values.shift() as T
            fill()
            yield value
            continue
          }
          if (ended !== undefined) {
            finished = true
            if (ended === 'done') return
            throw ended.error
          }
          await new Promise<void>((resolve) => {
            wake = resolve
          })
        }
      } finally {
        if (!finished && ended === undefined) await callReturn(iterator)
      }
    })
}
