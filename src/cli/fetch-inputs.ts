// The inputs `fetchAll` is given, built from the iter layer: batches of entries, until the run
// stops reading → flatten → keep the new ones (`--resume`) → remember each by its index.
// `abortable` guards the batches, not each entry: it ends a read that waits (stdin) at once,
// and costs one race per batch instead of one per URL (about 6 µs each, measured: more than
// the rest of the pipeline); the entries left in the current batch are dropped by the filter.
import { abortable, filter, flatten, map, pipe } from '../iter/index.js'
import type { InputEntry } from './input.js'

/**
 * Each accepted entry's URL, or `null` for a bad line (it goes through fetchAll too, an
 * instant failure, so --ordered keeps its record in place). `pending` learns every accepted
 * entry under its index in what fetchAll is given. Ends quietly when `signal` aborts, even
 * while a read (stdin) is waiting.
 * @example
 * const pending = new Map<number, InputEntry>()
 * client.fetchAll(fetchInputs(input.batches(), stop.reading, pending), options)
 */
export function fetchInputs(
  batches: AsyncIterable<readonly InputEntry[]>,
  signal: AbortSignal,
  pending: Map<number, InputEntry>,
  accept?: (entry: InputEntry) => boolean,
): AsyncIterable<string | null> {
  const urls = pipe(
    endingOnAbort(pipe(batches, abortable<readonly InputEntry[]>(signal)), signal),
    flatten<InputEntry>(),
    filter((entry: InputEntry) => !signal.aborted && (accept === undefined || accept(entry))),
    map((entry: InputEntry, index: number) => {
      pending.set(index, entry)
      return entry.problem === undefined ? entry.text : null
    }),
  )
  return urls
}

const DONE: IteratorResult<never, undefined> = { done: true, value: undefined }

/** `source`, where `signal`'s own abort is the end of the input rather than an error. */
function endingOnAbort<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncIterable<T> {
  const isStop = (error: unknown): boolean => signal.aborted && error === signal.reason
  return {
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]()
      const ended = (error: unknown): IteratorResult<T> => {
        if (isStop(error)) return DONE
        throw error
      }
      return {
        next: () => iterator.next().catch(ended),
        return: async () => (await iterator.return?.().catch(ended)) ?? DONE,
      }
    },
  }
}
