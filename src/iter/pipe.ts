import { checkFunction } from '../_internal/check.js'
import { fuse } from './_fused.js'
import type { AnyIterable, AsyncPipeline } from './_types.js'

/** One step of {@link pipe}: an operator, or (last) any function of the iterator, such as a sink. */
type Step<A, B> = (source: AsyncIterableIterator<A>) => B
type Stage<A, B> = (source: AsyncIterableIterator<A>) => AsyncIterableIterator<B>

/**
 * Runs `source` through `operators` from left to right: `pipe(src, f, g)` is `g(f(src))`,
 * with every type inferred. Consecutive sequential stages (`map`, `filter`, `take`, `drop`,
 * `takeWhile`, `dropWhile`, `scan`, `tap`) are fused into one loop, so synchronous callbacks
 * cost no promise per stage.
 *
 * With no operators it returns a lazy async iterator over `source`. The last step may be
 * any function of the iterator, such as the sink `toArray`; for sinks with a callback use an
 * arrow, `pipe(src, map(f), (it) => reduce(it, add, 0))`. Nothing runs before the first
 * `next()` (or before the sink pulls). Every stage closes the one before it when the
 * pipeline ends early, so `break` closes `source` exactly once.
 *
 * An iterator handed to `pipe` or to an operator belongs to it from then on: iterate the
 * result, not the argument (iterating the argument again rejects with a `TypeError`).
 *
 * @param source - An async iterable or a plain iterable.
 * @param operators - Operators such as `map(fn)`, applied in order.
 * @returns The last operator's result: an async iterator, or a sink's promise.
 * @throws {@link TypeError} If `source` is not iterable, an operator is not a function, or
 * `source` was already handed to another operator.
 * @example
 * import { filter, map, pipe, take, toArray } from 'asyncwith/iter'
 *
 * const firstSquares = await pipe(
 *   [1, 2, 3, 4, 5, 6],
 *   map((n) => n * n),
 *   filter((n) => n % 2 === 0),
 *   take(2),
 *   toArray,
 * )
 * // firstSquares: [4, 16]
 */
export function pipe<T>(source: AnyIterable<T>): AsyncPipeline<T>
export function pipe<T, R>(source: AnyIterable<T>, op1: Step<T, R>): R
export function pipe<T, A, R>(source: AnyIterable<T>, op1: Stage<T, A>, op2: Step<A, R>): R
export function pipe<T, A, B, R>(
  source: AnyIterable<T>,
  op1: Stage<T, A>,
  op2: Stage<A, B>,
  op3: Step<B, R>,
): R
export function pipe<T, A, B, C, R>(
  source: AnyIterable<T>,
  op1: Stage<T, A>,
  op2: Stage<A, B>,
  op3: Stage<B, C>,
  op4: Step<C, R>,
): R
export function pipe<T, A, B, C, D, R>(
  source: AnyIterable<T>,
  op1: Stage<T, A>,
  op2: Stage<A, B>,
  op3: Stage<B, C>,
  op4: Stage<C, D>,
  op5: Step<D, R>,
): R
export function pipe<T, A, B, C, D, E, R>(
  source: AnyIterable<T>,
  op1: Stage<T, A>,
  op2: Stage<A, B>,
  op3: Stage<B, C>,
  op4: Stage<C, D>,
  op5: Stage<D, E>,
  op6: Step<E, R>,
): R
export function pipe<T, A, B, C, D, E, F, R>(
  source: AnyIterable<T>,
  op1: Stage<T, A>,
  op2: Stage<A, B>,
  op3: Stage<B, C>,
  op4: Stage<C, D>,
  op5: Stage<D, E>,
  op6: Stage<E, F>,
  op7: Step<F, R>,
): R
export function pipe<T, A, B, C, D, E, F, G, R>(
  source: AnyIterable<T>,
  op1: Stage<T, A>,
  op2: Stage<A, B>,
  op3: Stage<B, C>,
  op4: Stage<C, D>,
  op5: Stage<D, E>,
  op6: Stage<E, F>,
  op7: Stage<F, G>,
  op8: Step<G, R>,
): R
export function pipe<T, A, B, C, D, E, F, G, H, R>(
  source: AnyIterable<T>,
  op1: Stage<T, A>,
  op2: Stage<A, B>,
  op3: Stage<B, C>,
  op4: Stage<C, D>,
  op5: Stage<D, E>,
  op6: Stage<E, F>,
  op7: Stage<F, G>,
  op8: Stage<G, H>,
  op9: Step<H, R>,
): R
export function pipe<T, A, B, C, D, E, F, G, H, I, R>(
  source: AnyIterable<T>,
  op1: Stage<T, A>,
  op2: Stage<A, B>,
  op3: Stage<B, C>,
  op4: Stage<C, D>,
  op5: Stage<D, E>,
  op6: Stage<E, F>,
  op7: Stage<F, G>,
  op8: Stage<G, H>,
  op9: Stage<H, I>,
  op10: Step<I, R>,
): R
export function pipe<T, A, B, C, D, E, F, G, H, I, J, R>(
  source: AnyIterable<T>,
  op1: Stage<T, A>,
  op2: Stage<A, B>,
  op3: Stage<B, C>,
  op4: Stage<C, D>,
  op5: Stage<D, E>,
  op6: Stage<E, F>,
  op7: Stage<F, G>,
  op8: Stage<G, H>,
  op9: Stage<H, I>,
  op10: Stage<I, J>,
  op11: Step<J, R>,
): R
export function pipe<T, A, B, C, D, E, F, G, H, I, J, K, R>(
  source: AnyIterable<T>,
  op1: Stage<T, A>,
  op2: Stage<A, B>,
  op3: Stage<B, C>,
  op4: Stage<C, D>,
  op5: Stage<D, E>,
  op6: Stage<E, F>,
  op7: Stage<F, G>,
  op8: Stage<G, H>,
  op9: Stage<H, I>,
  op10: Stage<I, J>,
  op11: Stage<J, K>,
  op12: Step<K, R>,
): R
export function pipe(
  source: AnyIterable<unknown>,
  ...operators: ((source: any) => unknown)[]
): unknown {
  operators.forEach((operator, index) => {
    checkFunction(`operators[${index}]`, operator)
  })
  let result: unknown = fuse(source)
  for (const operator of operators) result = operator(result)
  return result
}
