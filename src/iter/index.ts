// Public entry of `asyncwith/iter`. Explicit names only, so the public surface shows in diffs.
export type { AnyIterable, AsyncPipeline, Operator } from './_types.js'
// --- sequential operators, pipe, sources and sinks (owner: core) ---
export { type ChunkOptions, chunk } from './chunk.js'
export { concat } from './concat.js'
export { drop } from './drop.js'
export { dropWhile } from './drop-while.js'
export { every } from './every.js'
export { filter } from './filter.js'
export { find } from './find.js'
export { flatMap } from './flat-map.js'
export { flatten } from './flatten.js'
export { forEach } from './for-each.js'
export { map } from './map.js'
export { pipe } from './pipe.js'
export { range } from './range.js'
export { reduce } from './reduce.js'
export { scan } from './scan.js'
export { some } from './some.js'
export { take } from './take.js'
export { takeWhile } from './take-while.js'
export { tap } from './tap.js'
export { toArray } from './to-array.js'
// --- concurrency, timing and interop (owner: concurrent) ---
// (The blank line below keeps Biome from sorting this section into the one above.)

export { abortable } from './abortable.js'
export { buffer } from './buffer.js'
export { DEFAULT_CONCURRENCY } from './default-concurrency.js'
export {
  BufferOverflowError,
  isBufferOverflowError,
  isTimeoutError,
  TimeoutError,
} from './errors.js'
export { type FlatMapConcurrentOptions, flatMapConcurrent } from './flat-map-concurrent.js'
export { type EventSourceLike, type FromEventOptions, fromEvent } from './from-event.js'
export { type FromReadableStreamOptions, fromReadableStream } from './from-readable-stream.js'
export { type IntervalOptions, interval } from './interval.js'
export {
  type ConcurrentContext,
  type MapConcurrentOptions,
  mapConcurrent,
} from './map-concurrent.js'
export { merge } from './merge.js'
export { type TeeOptions, tee } from './tee.js'
export { type ThrottleOptions, throttle } from './throttle.js'
export { timeout } from './timeout.js'
export { toReadableStream } from './to-readable-stream.js'
export { zip } from './zip.js'
