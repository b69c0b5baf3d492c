/**
 * One conformance suite for TC39's `AsyncDisposableStack`, run on `AsyncExitStack` and on
 * the runtime's own class where it exists (the behaviours follow test262's
 * `built-ins/AsyncDisposableStack` and the proposal's DisposeResources algorithm).
 */
import { isSuppressedError } from 'asyncwith/context'
import { describe, expect, it } from 'vitest'
import { type CallLog, rejectionOf } from './context-log.js'

/** The part of `AsyncDisposableStack` the suite exercises. */
export interface AsyncDisposableStackLike extends AsyncDisposable {
  readonly disposed: boolean
  use<T extends AsyncDisposable | Disposable | null | undefined>(value: T): T
  adopt<T>(value: T, onDisposeAsync: (value: T) => PromiseLike<void> | void): T
  defer(onDisposeAsync: () => PromiseLike<void> | void): void
  move(): AsyncDisposableStackLike
  disposeAsync(): Promise<void>
}

export type AsyncDisposableStackConstructor = new () => AsyncDisposableStackLike

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1))

export function describeAsyncDisposableStack(
  name: string,
  Ctor: AsyncDisposableStackConstructor,
): void {
  describe(`${name} as AsyncDisposableStack`, () => {
    describe('use()', () => {
      it('returns the value it was given', () => {
        const stack = new Ctor()
        const resource = { async [Symbol.asyncDispose]() {} }
        expect(stack.use(resource)).toBe(resource)
      })

      it('accepts null and undefined, returns them and disposes nothing for them', async () => {
        const stack = new Ctor()
        expect(stack.use(null)).toBeNull()
        expect(stack.use(undefined)).toBeUndefined()
        await expect(stack.disposeAsync()).resolves.toBeUndefined()
      })

      it('calls Symbol.asyncDispose with the resource as this when disposed', async () => {
        const stack = new Ctor()
        const calls: unknown[] = []
        const resource = {
          async [Symbol.asyncDispose]() {
            calls.push(this)
          },
        }
        stack.use(resource)
        expect(calls).toEqual([])
        await stack.disposeAsync()
        expect(calls).toEqual([resource])
      })

      it('falls back to Symbol.dispose when there is no Symbol.asyncDispose', async () => {
        const stack = new Ctor()
        const calls: unknown[] = []
        const resource = {
          [Symbol.dispose]() {
            calls.push(this)
          },
        }
        stack.use(resource)
        await stack.disposeAsync()
        expect(calls).toEqual([resource])
      })

      it('does not await what a Symbol.dispose fallback returns', async () => {
        const stack = new Ctor()
        const log: CallLog = []
        stack.use({
          [Symbol.dispose]() {
            return tick().then(() => void log.push('late'))
          },
        })
        await stack.disposeAsync()
        log.push('disposed')
        await tick()
        await tick()
        expect(log).toEqual(['disposed', 'late'])
      })

      it('falls back to Symbol.dispose when Symbol.asyncDispose is null', async () => {
        const stack = new Ctor()
        let disposed = false
        stack.use({
          [Symbol.asyncDispose]: null,
          [Symbol.dispose]() {
            disposed = true
          },
        } as unknown as Disposable)
        await stack.disposeAsync()
        expect(disposed).toBe(true)
      })

      it('reads Symbol.asyncDispose before Symbol.dispose, each once, at the time of use', async () => {
        const stack = new Ctor()
        const reads: string[] = []
        const resource = {
          get [Symbol.asyncDispose]() {
            reads.push('asyncDispose')
            return undefined
          },
          get [Symbol.dispose]() {
            reads.push('dispose')
            return () => {}
          },
        }
        stack.use(resource as unknown as Disposable)
        expect(reads).toEqual(['asyncDispose', 'dispose'])
        await stack.disposeAsync()
        expect(reads).toEqual(['asyncDispose', 'dispose'])
      })

      it('calls the dispose method captured at use time, not one set later', async () => {
        const stack = new Ctor()
        const log: CallLog = []
        const resource: Record<symbol, () => Promise<void>> = {
          [Symbol.asyncDispose]: async () => void log.push('original'),
        }
        stack.use(resource as unknown as AsyncDisposable)
        resource[Symbol.asyncDispose] = async () => void log.push('replaced')
        await stack.disposeAsync()
        expect(log).toEqual(['original'])
      })

      it('accepts a function that has a Symbol.asyncDispose method', async () => {
        const stack = new Ctor()
        let disposed = false
        const resource = Object.assign(() => {}, {
          [Symbol.asyncDispose]: async () => {
            disposed = true
          },
        })
        expect(stack.use(resource)).toBe(resource)
        await stack.disposeAsync()
        expect(disposed).toBe(true)
      })

      it('disposes a resource used twice twice', async () => {
        const stack = new Ctor()
        let count = 0
        const resource = {
          async [Symbol.asyncDispose]() {
            count++
          },
        }
        stack.use(resource)
        stack.use(resource)
        await stack.disposeAsync()
        expect(count).toBe(2)
      })

      it.each([
        ['a number', 1],
        ['a string', 'text'],
        ['an object with no dispose method', {}],
        ['an object whose Symbol.asyncDispose is null', { [Symbol.asyncDispose]: null }],
        ['an object whose Symbol.asyncDispose is not callable', { [Symbol.asyncDispose]: 1 }],
        ['an object whose Symbol.dispose is not callable', { [Symbol.dispose]: 'no' }],
      ])('throws TypeError for %s', (_label, value) => {
        const stack = new Ctor()
        expect(() => stack.use(value as never)).toThrow(TypeError)
        expect(stack.disposed).toBe(false)
      })
    })

    describe('adopt()', () => {
      it('returns the value and calls onDisposeAsync(value) when disposed', async () => {
        const stack = new Ctor()
        const calls: unknown[][] = []
        const value = { handle: 1 }
        expect(stack.adopt(value, (...args) => void calls.push(args))).toBe(value)
        expect(calls).toEqual([])
        await stack.disposeAsync()
        expect(calls).toEqual([[value]])
        expect(calls[0]?.[0]).toBe(value)
      })

      it.each([
        ['undefined', undefined],
        ['null', null],
        ['a number', 0],
        ['a string', 's'],
      ])('allows any value, including %s', async (_label, value) => {
        const stack = new Ctor()
        const seen: unknown[] = []
        expect(stack.adopt(value, (v) => void seen.push(v))).toBe(value)
        await stack.disposeAsync()
        expect(seen).toEqual([value])
      })

      it('calls onDisposeAsync with this undefined', async () => {
        const stack = new Ctor()
        let seenThis: unknown = 'not called'
        stack.adopt(1, function (this: unknown) {
          seenThis = this
        })
        await stack.disposeAsync()
        expect(seenThis).toBeUndefined()
      })

      it('throws TypeError when onDisposeAsync is not callable, adding nothing', async () => {
        const stack = new Ctor()
        expect(() => stack.adopt(1, 'nope' as never)).toThrow(TypeError)
        expect(() => stack.adopt(1, undefined as never)).toThrow(TypeError)
        await expect(stack.disposeAsync()).resolves.toBeUndefined()
      })
    })

    describe('defer()', () => {
      it('returns undefined and calls onDisposeAsync with no arguments when disposed', async () => {
        const stack = new Ctor()
        const calls: unknown[][] = []
        expect(stack.defer((...args: unknown[]) => void calls.push(args))).toBeUndefined()
        expect(calls).toEqual([])
        await stack.disposeAsync()
        expect(calls).toEqual([[]])
      })

      it('throws TypeError when onDisposeAsync is not callable', () => {
        const stack = new Ctor()
        expect(() => stack.defer({} as never)).toThrow(TypeError)
        expect(() => stack.defer(null as never)).toThrow(TypeError)
      })
    })

    describe('disposeAsync()', () => {
      it('disposes use, adopt and defer entries last in, first out', async () => {
        const stack = new Ctor()
        const log: CallLog = []
        stack.use({ [Symbol.asyncDispose]: async () => void log.push('use 1') })
        stack.adopt('adopt 2', (v) => void log.push(v))
        stack.defer(() => void log.push('defer 3'))
        stack.use({ [Symbol.dispose]: () => void log.push('use 4') })
        stack.defer(async () => void log.push('defer 5'))
        await stack.disposeAsync()
        expect(log).toEqual(['defer 5', 'use 4', 'defer 3', 'adopt 2', 'use 1'])
      })

      it('returns a promise that resolves to undefined', async () => {
        const stack = new Ctor()
        stack.defer(async () => 'ignored' as unknown as void)
        const result = stack.disposeAsync()
        expect(result).toBeInstanceOf(Promise)
        expect(await result).toBeUndefined()
      })

      it('awaits each asynchronous disposer before starting the next', async () => {
        const stack = new Ctor()
        const log: CallLog = []
        for (const name of ['a', 'b', 'c']) {
          stack.defer(async () => {
            log.push(`start ${name}`)
            await tick()
            log.push(`end ${name}`)
          })
        }
        await stack.disposeAsync()
        expect(log).toEqual(['start c', 'end c', 'start b', 'end b', 'start a', 'end a'])
      })

      it('resolves undefined and runs nothing when called a second time', async () => {
        const stack = new Ctor()
        let count = 0
        stack.defer(() => {
          count++
        })
        await stack.disposeAsync()
        await expect(stack.disposeAsync()).resolves.toBeUndefined()
        expect(count).toBe(1)
      })

      it('resolves a second call undefined even when the first call rejected', async () => {
        const stack = new Ctor()
        stack.defer(() => {
          throw new Error('once')
        })
        await rejectionOf(stack.disposeAsync())
        await expect(stack.disposeAsync()).resolves.toBeUndefined()
      })

      it('marks the stack disposed before the disposers run, so a nested call does not rerun them', async () => {
        const stack = new Ctor()
        const log: CallLog = []
        stack.defer(() => void log.push('first'))
        stack.defer(async () => {
          log.push(`disposed ${stack.disposed}`)
          await stack.disposeAsync()
          log.push('nested resolved')
        })
        await stack.disposeAsync()
        expect(log).toEqual(['disposed true', 'nested resolved', 'first'])
      })

      it('rejects with the exact error when one disposer fails', async () => {
        const stack = new Ctor()
        const error = new Error('only')
        stack.defer(() => {})
        stack.defer(() => {
          throw error
        })
        stack.defer(() => {})
        expect(await rejectionOf(stack.disposeAsync())).toBe(error)
      })

      it('rejects rather than throwing synchronously when a disposer throws synchronously', async () => {
        const stack = new Ctor()
        const error = new Error('sync')
        stack.use({
          [Symbol.dispose]() {
            throw error
          },
        })
        let promise: Promise<void> | undefined
        expect(() => {
          promise = stack.disposeAsync()
        }).not.toThrow()
        expect(await rejectionOf(promise!)).toBe(error)
      })

      it('rejects with SuppressedError(later-disposed error, earlier-disposed error) for two failures', async () => {
        const stack = new Ctor()
        const first = new Error('registered first')
        const second = new Error('registered second')
        stack.defer(() => {
          throw first
        })
        stack.defer(() => {
          throw second
        })
        const reason = await rejectionOf(stack.disposeAsync())
        expect(isSuppressedError(reason)).toBe(true)
        expect((reason as SuppressedError).error).toBe(first)
        expect((reason as SuppressedError).suppressed).toBe(second)
      })

      it('nests SuppressedErrors with the last-disposed error outermost for three failures', async () => {
        const stack = new Ctor()
        const errors = [new Error('1'), new Error('2'), new Error('3')]
        for (const error of errors) {
          stack.defer(() => {
            throw error
          })
        }
        const reason = (await rejectionOf(stack.disposeAsync())) as SuppressedError
        expect(isSuppressedError(reason)).toBe(true)
        expect(reason.error).toBe(errors[0])
        const inner = reason.suppressed as SuppressedError
        expect(isSuppressedError(inner)).toBe(true)
        expect(inner.error).toBe(errors[1])
        expect(inner.suppressed).toBe(errors[2])
      })

      it('runs every disposer even when some of them fail', async () => {
        const stack = new Ctor()
        const log: CallLog = []
        for (const n of [1, 2, 3, 4]) {
          stack.defer(async () => {
            log.push(`dispose ${n}`)
            if (n % 2 === 0) throw new Error(String(n))
          })
        }
        await rejectionOf(stack.disposeAsync())
        expect(log).toEqual(['dispose 4', 'dispose 3', 'dispose 2', 'dispose 1'])
      })

      it('keeps a rejected value that is not an Error, such as undefined', async () => {
        const stack = new Ctor()
        stack.defer(() => Promise.reject(undefined))
        const reason = await rejectionOf(stack.disposeAsync())
        expect(reason).toBeUndefined()
      })

      it('rejects with TypeError when called on something that is not a stack', async () => {
        const reason = await rejectionOf(Ctor.prototype.disposeAsync.call({}))
        expect(reason).toBeInstanceOf(TypeError)
      })
    })

    describe('disposed', () => {
      it('is false for a new stack and true once it is disposed', async () => {
        const stack = new Ctor()
        expect(stack.disposed).toBe(false)
        const pending = stack.disposeAsync()
        expect(stack.disposed).toBe(true)
        await pending
        expect(stack.disposed).toBe(true)
      })

      it('throws TypeError when read from something that is not a stack', () => {
        const getter = Object.getOwnPropertyDescriptor(Ctor.prototype, 'disposed')?.get
        expect(typeof getter).toBe('function')
        expect(() => getter!.call({})).toThrow(TypeError)
      })
    })

    describe('move()', () => {
      it('returns a new stack of the same class holding the entries, and marks the source disposed', async () => {
        const stack = new Ctor()
        const log: CallLog = []
        stack.defer(async () => void log.push('1'))
        stack.defer(() => void log.push('2'))
        const moved = stack.move()
        expect(moved).not.toBe(stack)
        expect(moved).toBeInstanceOf(Ctor)
        expect(stack.disposed).toBe(true)
        expect(moved.disposed).toBe(false)
        await stack.disposeAsync()
        expect(log).toEqual([])
        await moved.disposeAsync()
        expect(log).toEqual(['2', '1'])
      })

      it('leaves nothing in the source stack', async () => {
        const stack = new Ctor()
        let count = 0
        stack.defer(() => {
          count++
        })
        const moved = stack.move()
        await stack.disposeAsync()
        expect(count).toBe(0)
        await moved.disposeAsync()
        expect(count).toBe(1)
      })
    })

    describe('after disposal', () => {
      const operations: [string, (stack: AsyncDisposableStackLike) => unknown][] = [
        ['use', (stack) => stack.use({ async [Symbol.asyncDispose]() {} })],
        ['use with null', (stack) => stack.use(null)],
        ['use with a non-disposable', (stack) => stack.use(1 as never)],
        ['adopt', (stack) => stack.adopt(1, () => {})],
        ['adopt with a non-callable', (stack) => stack.adopt(1, 1 as never)],
        ['defer', (stack) => stack.defer(() => {})],
        ['defer with a non-callable', (stack) => stack.defer(1 as never)],
        ['move', (stack) => stack.move()],
      ]

      it.each(operations)('throws ReferenceError from %s', async (_label, operation) => {
        const stack = new Ctor()
        await stack.disposeAsync()
        expect(() => operation(stack)).toThrow(ReferenceError)
      })

      it.each(operations)(
        'throws ReferenceError from %s on a moved-from stack',
        (_l, operation) => {
          const stack = new Ctor()
          stack.move()
          expect(() => operation(stack)).toThrow(ReferenceError)
        },
      )
    })

    describe('Symbol.asyncDispose', () => {
      it('is the very same function object as disposeAsync', () => {
        expect(Ctor.prototype[Symbol.asyncDispose]).toBe(Ctor.prototype.disposeAsync)
      })

      it('lets await using dispose the stack at the end of the block', async () => {
        const log: CallLog = []
        let escaped: AsyncDisposableStackLike | undefined
        {
          await using stack = new Ctor()
          escaped = stack
          stack.defer(() => void log.push('deferred'))
          log.push('body')
        }
        expect(log).toEqual(['body', 'deferred'])
        expect(escaped.disposed).toBe(true)
      })

      it('lets await using wrap a body error and a disposal error in SuppressedError', async () => {
        const bodyError = new Error('body')
        const disposeError = new Error('dispose')
        const reason = await rejectionOf(
          (async () => {
            await using stack = new Ctor()
            stack.defer(() => {
              throw disposeError
            })
            throw bodyError
          })(),
        )
        expect(isSuppressedError(reason)).toBe(true)
        expect((reason as SuppressedError).error).toBe(disposeError)
        expect((reason as SuppressedError).suppressed).toBe(bodyError)
      })
    })

    describe('Symbol.toStringTag', () => {
      it('is a string that Object.prototype.toString reports', () => {
        const stack = new Ctor()
        const tag = (stack as unknown as Record<symbol, unknown>)[Symbol.toStringTag]
        expect(typeof tag).toBe('string')
        expect(Object.prototype.toString.call(stack)).toBe(`[object ${tag}]`)
      })
    })
  })
}
