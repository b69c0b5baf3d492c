/** Anything `for await` accepts: an async iterable, or a plain (sync) iterable. */
export type AnyIterable<T> = AsyncIterable<T> | Iterable<T>

/** A pipeline stage: takes a source and returns a new lazy async iterator over it. */
export type Operator<T, U> = (source: AnyIterable<T>) => AsyncIterableIterator<U>
