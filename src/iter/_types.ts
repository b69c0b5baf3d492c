/** Anything `for await` accepts: an async iterable, or a plain (sync) iterable. */
export type AnyIterable<T> = AsyncIterable<T> | Iterable<T>

/**
 * What every operator and source returns: a lazy async iterator that `for await` reads and
 * `await using` closes (disposing it calls `return()`).
 */
export type AsyncPipeline<T> = AsyncIterableIterator<T> & AsyncDisposable

/** A pipeline stage: takes a source and returns a new lazy async iterator over it. */
export type Operator<T, U> = (source: AnyIterable<T>) => AsyncPipeline<U>
