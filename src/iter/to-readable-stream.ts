import { checkIterable } from '../_internal/check.js'
import { callReturn, openIterator } from './_concurrent.js'
import type { AnyIterable } from './_types.js'

/**
 * Exposes an (async) iterable as a Web `ReadableStream`, for `Response`, `pipeTo` or any
 * stream API. The stream pulls lazily, one value per read (`highWaterMark` 0): the source is
 * not asked for a value until a reader wants one, so back-pressure reaches the source.
 *
 * When the source throws, the stream errors with that error. When the stream is cancelled
 * (`reader.cancel()`, a failed `pipeTo`), the source's `return()` is called once and the
 * cancellation waits for it; a source that already ended is not closed again.
 *
 * @param source - The iterable to read; it is opened on the first read.
 * @returns A `ReadableStream` of the source's values.
 * @throws `TypeError` at once when `source` is not iterable.
 * @example
 * import { toReadableStream } from 'asyncwith/iter'
 *
 * const chunks = ['a', 'b'].map((text) => new TextEncoder().encode(text))
 * const text = await new Response(toReadableStream(chunks)).text()
 * console.log(text) // 'ab'
 */
export function toReadableStream<T>(source: AnyIterable<T>): ReadableStream<T> {
  checkIterable('source', source)
  let iterator: AsyncIterator<T> | undefined
  let ended = false
  return new ReadableStream<T>(
    {
      async pull(controller) {
        iterator ??= openIterator(source)
        let result: IteratorResult<T>
        try {
          result = await iterator.next()
        } catch (error) {
          ended = true
          throw error
        }
        if (result.done) {
          ended = true
          controller.close()
        } else {
          controller.enqueue(result.value)
        }
      },
      async cancel() {
        if (iterator === undefined || ended) return
        ended = true
        await callReturn(iterator)
      },
    },
    { highWaterMark: 0 },
  )
}
