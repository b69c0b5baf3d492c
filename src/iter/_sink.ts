import { checkFunction } from '../_internal/check.js'
import { closeIfIterator, type Fused, fuse, type Sink } from './_fused.js'
import type { AnyIterable } from './_types.js'

/**
 * Checks a sink's callback. On failure the source, if it is an iterator, is closed before
 * the `TypeError` is thrown, as TC39 iterator helpers close their receiver when an argument
 * is invalid; an error from that `return()` is dropped in favour of the `TypeError`.
 */
export async function checkCallback(source: unknown, fn: unknown): Promise<void> {
  try {
    checkFunction('fn', fn)
  } catch (error) {
    try {
      await closeIfIterator(source)
    } catch {
      // The TypeError explains the mistake better than a cleanup failure.
    }
    throw error
  }
}

/** Runs `source` (fused with its unstarted stages) to the end, feeding `sink`. */
export async function drive(source: AnyIterable<unknown>, sink: Sink): Promise<void> {
  const fused: Fused<unknown> = fuse(source)
  await fused.run(sink)
}
