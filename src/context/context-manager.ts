import { describeValue } from '../_internal/describe-value.js'
import type { AsyncContextManager, Failure } from './async-context-manager.js'

/** A generator function `contextManager` can wrap: async (or plain) and yielding once. */
export type ContextGeneratorFunction<A extends unknown[], T> = (
  ...args: A
) => AsyncGenerator<T, unknown, undefined> | Generator<T, unknown, undefined>

/**
 * The one-shot manager a {@link contextManager} factory returns. It is typed as not
 * suppressing (`E` is `false`), so `withContext` types its result without `| undefined`: almost
 * every generator manager lets the body's error through, and typeshed types Python's
 * `@asynccontextmanager` the same way. For a generator that does catch the error without
 * rethrowing, annotate the factory with `E = boolean` and the result gains `| undefined`.
 *
 * @example
 * import { contextManager, type GeneratorContextManager, withContext } from 'asyncwith/context'
 *
 * const ignoring: () => GeneratorContextManager<void, boolean> = contextManager(async function* () {
 *   try {
 *     yield
 *   } catch {} // suppresses
 * })
 * const result = await withContext(ignoring(), () => JSON.parse('{')) // unknown, here undefined
 * console.log(result)
 */
export interface GeneratorContextManager<T, E extends boolean = false>
  extends AsyncContextManager<T, E> {}

type _State = 'ready' | 'entered' | 'exited'

class _GeneratorContextManager<T> implements AsyncContextManager<T, boolean> {
  #generator: AsyncGenerator<T, unknown, undefined> | Generator<T, unknown, undefined>
  #state: _State = 'ready'

  constructor(generator: AsyncGenerator<T, unknown, undefined> | Generator<T, unknown, undefined>) {
    this.#generator = generator
  }

  async enter(): Promise<T> {
    if (this.#state !== 'ready') {
      throw new TypeError(
        'This context manager was already entered; call the contextManager factory again for a new one',
      )
    }
    this.#state = 'entered'
    const result = await this.#generator.next()
    if (result.done) {
      throw new TypeError(
        'Expected the context manager generator to yield once, but it returned without yielding',
      )
    }
    return result.value
  }

  async exit(failure?: Failure): Promise<boolean> {
    if (this.#state !== 'entered') {
      throw new TypeError(
        `Cannot exit a context manager that is ${this.#state === 'ready' ? 'not entered' : 'already exited'}`,
      )
    }
    this.#state = 'exited'
    const generator = this.#generator
    if (failure === undefined) {
      const result = await generator.next()
      if (result.done) return false
      await generator.return(undefined)
      throw new TypeError(
        'Expected the context manager generator to stop after one yield, but it yielded again',
      )
    }
    let result: IteratorResult<T, unknown>
    try {
      result = await generator.throw(failure.error)
    } catch (error) {
      // Rethrowing the error it was given is not suppression; the caller rethrows the
      // original, so its identity is kept.
      if (error === failure.error) return false
      throw error
    }
    // The generator caught the error and finished: that is suppression.
    if (result.done) return true
    await generator.return(undefined)
    throw new TypeError(
      'Expected the context manager generator to stop after the error was thrown into it, but it yielded again',
    )
  }
}

/**
 * Python's `@asynccontextmanager`: turns a generator function that yields exactly once into
 * a factory of context managers. The code before `yield` is `enter`, the yielded value is
 * what the body gets, and the code after it is `exit`.
 *
 * If the body throws, the error is thrown into the generator at the `yield`: catching it
 * without rethrowing suppresses it, rethrowing (or not catching) lets it propagate, and
 * throwing something else replaces it. So cleanup belongs in a `finally`. Each call of the
 * factory makes a new one-shot manager; entering one twice is a `TypeError`, and so is a
 * generator that does not yield, or yields twice. Plain `function*` generators work too.
 *
 * @param fn - A generator function yielding exactly once; its parameters become the factory's.
 * @returns A factory with the same parameters returning a {@link GeneratorContextManager},
 *   typed as not suppressing (see there for a generator that does).
 * @throws {TypeError} If `fn` is not a function.
 * @example
 * import { contextManager, withContext } from 'asyncwith/context'
 *
 * const tag = contextManager(async function* (name: string) {
 *   console.log(`<${name}>`)
 *   try {
 *     yield name
 *   } finally {
 *     console.log(`</${name}>`)
 *   }
 * })
 * await withContext(tag('p'), () => console.log('hello'))
 */
export function contextManager<A extends unknown[], T>(
  fn: ContextGeneratorFunction<A, T>,
): (...args: A) => GeneratorContextManager<T> {
  if (typeof fn !== 'function') {
    throw new TypeError(`Expected \`fn\` to be a generator function, got ${describeValue(fn)}`)
  }
  const factory = function (this: unknown, ...args: A): GeneratorContextManager<T> {
    const generator = fn.apply(this, args)
    if (
      generator === null ||
      typeof generator !== 'object' ||
      typeof generator.next !== 'function'
    ) {
      throw new TypeError(
        'Expected `fn` to return a generator; use `async function*` or `function*`',
      )
    }
    const manager: GeneratorContextManager<T, boolean> = new _GeneratorContextManager(generator)
    // Typed as not suppressing on purpose: see GeneratorContextManager.
    return manager as GeneratorContextManager<T>
  }
  // As functools.wraps does: the factory keeps the generator function's name, arity and own
  // properties, so stack traces and logs name it and decorations survive.
  Object.assign(factory, fn)
  Object.defineProperty(factory, 'name', { value: fn.name, configurable: true })
  Object.defineProperty(factory, 'length', { value: fn.length, configurable: true })
  return factory
}
