// Adapters that turn an async generator operator (or one over several sources) into a
// Fused iterator, so that what comes after it can fuse and an early return() closes its
// sources as TC39 iterator helpers do.
import { checkIterable } from '../_internal/check.js'
import { closeIfIterator, doneResult, Fused, fuse, NO_STAGES } from './_fused.js'
import type { AnyIterable } from './_types.js'

/**
 * Wraps an async generator operator in a {@link Fused}: `body` runs lazily over the fused
 * upstream, the result can fuse with the stages after it, and `return()` before the first
 * `next()` closes the upstream.
 */
export function fromGenerator<T>(
  source: AnyIterable<unknown>,
  body: (upstream: Fused<unknown>) => AsyncGenerator<T, void, undefined>,
): Fused<T> {
  const upstream = fuse<unknown>(source)
  const root: AsyncIterable<T> = {
    [Symbol.asyncIterator]: () => body(upstream),
  }
  return new Fused<T>(root, NO_STAGES, upstream)
}

/**
 * Wraps a generator over several sources (`merge`, `zip`) in a {@link Fused}, as
 * {@link fromGenerator} does for one: `body` runs lazily, and `return()` before the first
 * `next()` closes every source that is itself an iterator.
 */
export function fromSources<T>(
  sources: readonly AnyIterable<unknown>[],
  body: () => AsyncGenerator<T, void, undefined>,
): Fused<T> {
  const root: AsyncIterable<T> = { [Symbol.asyncIterator]: body }
  const closeEvery = {
    next: doneResult,
    return: () => Promise.all(sources.map(closeIfIterator)),
  }
  return new Fused<T>(root, NO_STAGES, closeEvery)
}

/**
 * Like {@link fromGenerator}, for operators that must reach their source directly: they
 * call its `return()` while one of its `next()` calls is still pending, so that a source
 * able to cancel a read can do so (`timeout`, `abortable`, the concurrent operators). A
 * `Fused` in between would queue that `return()` behind the pending `next()`, as an async
 * generator does. An unstarted `Fused` source is still taken over.
 */
export function fromGeneratorDirect<T>(
  source: AnyIterable<unknown>,
  body: (upstream: AnyIterable<unknown>) => AsyncGenerator<T, void, undefined>,
): Fused<T> {
  let upstream: AnyIterable<unknown> = source
  if (source instanceof Fused) upstream = source.adopt(NO_STAGES) ?? source
  else checkIterable('source', source)
  const root: AsyncIterable<T> = {
    [Symbol.asyncIterator]: () => body(upstream),
  }
  return new Fused<T>(root, NO_STAGES, upstream)
}
