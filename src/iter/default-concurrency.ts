/**
 * The `concurrency` that {@link mapConcurrent} and {@link flatMapConcurrent} use when none is
 * given. It is finite on purpose: an unbounded fan-out over thousands of URLs opens thousands
 * of sockets at once. Pass `Infinity` explicitly to lift the limit.
 *
 * @example
 * import { DEFAULT_CONCURRENCY } from 'asyncwith/iter'
 *
 * console.log(DEFAULT_CONCURRENCY) // 16
 */
export const DEFAULT_CONCURRENCY = 16
