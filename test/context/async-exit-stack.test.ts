import {
  AsyncExitStack,
  contextManager,
  type Failure,
  isSuppressedError,
  nullContext,
  withContext,
} from 'asyncwith/context'
import { describe, expect, it } from 'vitest'
import { type CallLog, errorTree, recordingManager, rejectionOf } from '../_helpers/context-log.js'

// Python's AsyncExitStack behaviours (CPython's TestBaseExitStack and TestAsyncExitStack),
// translated: an exit that throws replaces the error in flight without chaining it.

describe('AsyncExitStack', () => {
  describe('enterContext()', () => {
    it('resolves to the value the manager entered with', async () => {
      await withContext(new AsyncExitStack(), async (stack) => {
        expect(await stack.enterContext(nullContext('ready'))).toBe('ready')
      })
    })

    it('exits entered managers last in, first out, interleaved with defer', async () => {
      const log: CallLog = []
      await withContext(new AsyncExitStack(), async (stack) => {
        await stack.enterContext(recordingManager(log, 'a'))
        stack.defer(() => void log.push('defer b'))
        await stack.enterContext(recordingManager(log, 'c'))
        stack.defer(() => void log.push('defer d'))
        log.push('body')
      })
      expect(log).toEqual(['enter a', 'enter c', 'body', 'defer d', 'exit c', 'defer b', 'exit a'])
    })

    it('enters a contextManager generator and runs its teardown on exit', async () => {
      const log: CallLog = []
      const tag = contextManager(async function* (name: string) {
        log.push(`<${name}>`)
        try {
          yield name
        } finally {
          log.push(`</${name}>`)
        }
      })
      await withContext(new AsyncExitStack(), async (stack) => {
        await stack.enterContext(tag('a'))
        await stack.enterContext(tag('b'))
      })
      expect(log).toEqual(['<a>', '<b>', '</b>', '</a>'])
    })

    it('accepts an AsyncDisposable, resolving to the object and disposing it on exit', async () => {
      const log: CallLog = []
      const resource = { [Symbol.asyncDispose]: async () => void log.push('disposed') }
      await withContext(new AsyncExitStack(), async (stack) => {
        expect(await stack.enterContext(resource)).toBe(resource)
        log.push('body')
      })
      expect(log).toEqual(['body', 'disposed'])
    })

    it('pushes nothing when the manager enter fails, and rejects with that error', async () => {
      const log: CallLog = []
      const error = new Error('enter')
      const stack = new AsyncExitStack()
      const reason = await rejectionOf(
        stack.enterContext(recordingManager(log, 'a', { enterError: error })),
      )
      expect(reason).toBe(error)
      await stack.disposeAsync()
      expect(log).toEqual(['enter a'])
    })

    it.each([
      ['an object with neither enter nor exit', {}],
      ['an object with enter only', { enter: async () => 1 }],
      ['an object with exit only', { exit: async () => false }],
      ['a number', 3],
    ])('rejects with TypeError for %s and pushes nothing', async (_label, manager) => {
      const stack = new AsyncExitStack()
      expect(await rejectionOf(stack.enterContext(manager as never))).toBeInstanceOf(TypeError)
      await expect(stack.disposeAsync()).resolves.toBeUndefined()
    })

    it('checks for exit before calling enter, as Python does, so nothing is left entered', async () => {
      let entered = false
      const enterOnly = {
        enter: async () => {
          entered = true
          return 1
        },
      }
      const stack = new AsyncExitStack()
      expect(await rejectionOf(stack.enterContext(enterOnly as never))).toBeInstanceOf(TypeError)
      expect(entered).toBe(false)
    })

    it('rejects with ReferenceError once the stack is disposed, without entering', async () => {
      const log: CallLog = []
      const stack = new AsyncExitStack()
      await stack.disposeAsync()
      const reason = await rejectionOf(stack.enterContext(recordingManager(log, 'a')))
      expect(reason).toBeInstanceOf(ReferenceError)
      expect(log).toEqual([])
    })

    it('exits a manager at once when the stack was disposed while its enter was pending', async () => {
      const log: CallLog = []
      const stack = new AsyncExitStack()
      let release!: () => void
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      const slow = {
        enter: async () => {
          await gate
          log.push('entered')
          return 'slow'
        },
        exit: async () => {
          log.push('exited')
        },
      }
      const entering = stack.enterContext(slow)
      await stack.disposeAsync()
      release()
      expect(await rejectionOf(entering)).toBeInstanceOf(ReferenceError)
      expect(log).toEqual(['entered', 'exited'])
    })
  })

  describe('push()', () => {
    it('returns its argument unchanged', () => {
      const stack = new AsyncExitStack()
      const callback = () => false
      expect(stack.push(callback)).toBe(callback)
    })

    it('calls an exit callback with undefined when the body completes', async () => {
      const seen: (Failure | undefined)[] = []
      await withContext(new AsyncExitStack(), (stack) => {
        stack.push((failure) => void seen.push(failure))
      })
      expect(seen).toEqual([undefined])
    })

    it('calls an exit callback with { error } holding the body error', async () => {
      const seen: (Failure | undefined)[] = []
      const error = new Error('body')
      await rejectionOf(
        withContext(new AsyncExitStack(), (stack) => {
          stack.push((failure) => void seen.push(failure))
          throw error
        }),
      )
      expect(seen).toEqual([{ error }])
      expect(seen[0]?.error).toBe(error)
    })

    it('suppresses the body error when a callback returns true, so outer exits see undefined', async () => {
      const outer = recordingManager([], 'outer')
      const result = await withContext(new AsyncExitStack(), async (stack) => {
        await stack.enterContext(outer)
        stack.push(() => true)
        throw new Error('suppressed')
      })
      expect(result).toBeUndefined()
      expect(outer.exits).toEqual([undefined])
    })

    it('lets the body error propagate with its identity when callbacks return false', async () => {
      const error = new Error('body')
      const reason = await rejectionOf(
        withContext(new AsyncExitStack(), (stack) => {
          stack.push(() => false)
          stack.push(async () => undefined)
          throw error
        }),
      )
      expect(reason).toBe(error)
    })

    it('awaits an async exit callback and honours its true result', async () => {
      const result = await withContext(new AsyncExitStack(), (stack) => {
        stack.push(async () => {
          await new Promise((resolve) => setTimeout(resolve, 1))
          return true
        })
        throw new Error('x')
      })
      expect(result).toBeUndefined()
    })

    it('accepts an object with an exit method and calls it with the object as this', async () => {
      const seen: unknown[] = []
      const manager = {
        enter: async () => 'unused',
        async exit(failure?: Failure) {
          seen.push(this, failure)
          return false
        },
      }
      await withContext(new AsyncExitStack(), (stack) => {
        expect(stack.push(manager)).toBe(manager)
      })
      expect(seen).toEqual([manager, undefined])
    })

    it('throws TypeError for something that is neither a function nor has an exit method', () => {
      const stack = new AsyncExitStack()
      expect(() => stack.push({} as never)).toThrow(TypeError)
      expect(() => stack.push(1 as never)).toThrow(TypeError)
    })

    it('throws ReferenceError once the stack is disposed', async () => {
      const stack = new AsyncExitStack()
      await stack.disposeAsync()
      expect(() => stack.push(() => false)).toThrow(ReferenceError)
    })
  })

  describe('exit()', () => {
    it('lets an exit that throws replace the error that outer exits see', async () => {
      const replacement = new Error('replacement')
      const outer = recordingManager([], 'outer')
      const reason = await rejectionOf(
        withContext(new AsyncExitStack(), async (stack) => {
          await stack.enterContext(outer)
          stack.push(() => {
            throw replacement
          })
          throw new Error('body')
        }),
      )
      expect(outer.exits).toEqual([{ error: replacement }])
      expect(reason).toBe(replacement)
    })

    it('matches nested withContext for raise, replace, suppress and raise-again exits', async () => {
      // CPython's test_exit_exception_chaining_reference, without the __context__ chains.
      const raising = (error: Error, seen: unknown[]) => ({
        enter: async () => undefined,
        exit: async (failure?: Failure) => {
          seen.push(errorTree(failure?.error))
          throw error
        },
      })
      const suppressing = (seen: unknown[]) => ({
        enter: async () => undefined,
        exit: async (failure?: Failure) => {
          seen.push(errorTree(failure?.error))
          return true
        },
      })
      const make = (seen: unknown[]) => [
        raising(new Error('IndexError'), seen),
        raising(new Error('KeyError'), seen),
        suppressing(seen),
        raising(new Error('ValueError'), seen),
      ]
      const body = () => {
        throw new Error('ZeroDivisionError')
      }

      const nestedSeen: unknown[] = []
      const [a, b, c, d] = make(nestedSeen)
      const nested = await rejectionOf(
        withContext(a!, () => withContext(b!, () => withContext(c!, () => withContext(d!, body)))),
      )

      const stackSeen: unknown[] = []
      const stacked = await rejectionOf(
        withContext(new AsyncExitStack(), async (stack) => {
          for (const manager of make(stackSeen)) await stack.enterContext(manager)
          body()
        }),
      )

      expect(nestedSeen).toEqual(['ZeroDivisionError', 'ValueError', undefined, 'KeyError'])
      expect(stackSeen).toEqual(nestedSeen)
      expect(errorTree(nested)).toBe('IndexError')
      expect(errorTree(stacked)).toBe('IndexError')
    })

    it('rejects with the last exit error after a suppressor, with no body error (non-suppressing case)', async () => {
      // CPython's test_exit_exception_non_suppressing, second half.
      const reason = await rejectionOf(
        withContext(new AsyncExitStack(), (stack) => {
          stack.defer(() => {
            throw new Error('KeyError')
          })
          stack.push(() => true)
          stack.defer(() => {
            throw new Error('IndexError')
          })
        }),
      )
      expect(errorTree(reason)).toBe('KeyError')
    })

    it('resolves when a suppressor swallows errors thrown by exits inside it', async () => {
      // CPython's test_exit_exception_chaining_suppress.
      const result = await withContext(new AsyncExitStack(), (stack) => {
        stack.push(() => true)
        stack.push(() => {
          throw new Error('ZeroDivisionError')
        })
        stack.push(() => {
          throw new Error('KeyError')
        })
        return 'value'
      })
      expect(result).toBe('value')
    })

    it('lets a generator that rethrows keep identity and an outer one replace it', async () => {
      // CPython's test_dont_reraise_RuntimeError.
      const original = new Error('please no infinite loop')
      const second = contextManager(async function* () {
        try {
          yield
        } catch (error) {
          throw new Error('new exception', { cause: error })
        }
      })
      const first = contextManager(async function* () {
        try {
          yield
        } catch (error) {
          expect(error).toBe(original)
          throw error
        }
      })
      const reason = (await rejectionOf(
        withContext(new AsyncExitStack(), async (stack) => {
          await stack.enterContext(second())
          await stack.enterContext(first())
          throw original
        }),
      )) as Error
      expect(reason.message).toBe('new exception')
      expect(reason.cause).toBe(original)
    })

    it('wraps a disposal-style failure during a body error as SuppressedError(thrown, inFlight)', async () => {
      const bodyError = new Error('body')
      const deferError = new Error('defer')
      const outer = recordingManager([], 'outer')
      const reason = await rejectionOf(
        withContext(new AsyncExitStack(), async (stack) => {
          await stack.enterContext(outer)
          stack.defer(() => {
            throw deferError
          })
          throw bodyError
        }),
      )
      expect(isSuppressedError(reason)).toBe(true)
      expect((reason as SuppressedError).error).toBe(deferError)
      expect((reason as SuppressedError).suppressed).toBe(bodyError)
      expect(outer.exits).toEqual([{ error: reason }])
    })

    it('rejects with the plain disposal error when it fails with nothing in flight', async () => {
      const deferError = new Error('defer')
      const reason = await rejectionOf(
        withContext(new AsyncExitStack(), (stack) => {
          stack.use({
            [Symbol.asyncDispose]: async () => {
              throw deferError
            },
          })
        }),
      )
      expect(reason).toBe(deferError)
    })

    it('lets a suppressor swallow a SuppressedError made by disposal-style entries inside it', async () => {
      const seen: (Failure | undefined)[] = []
      const result = await withContext(new AsyncExitStack(), (stack) => {
        stack.push((failure) => {
          seen.push(failure)
          return true
        })
        stack.defer(() => {
          throw new Error('defer')
        })
        throw new Error('body')
      })
      expect(result).toBeUndefined()
      expect(errorTree(seen[0]?.error)).toEqual(['Suppressed', 'defer', 'body'])
    })

    it('resolves true when the body error got suppressed, false when there was none', async () => {
      const suppressed = new AsyncExitStack()
      suppressed.push(() => true)
      await suppressed.enter()
      expect(await suppressed.exit({ error: new Error('x') })).toBe(true)

      const clean = new AsyncExitStack()
      clean.push(() => true)
      expect(await clean.exit(undefined)).toBe(false)
    })

    it('resolves false, without throwing, when the body error passes through unchanged', async () => {
      const stack = new AsyncExitStack()
      stack.push(() => false)
      expect(await stack.exit({ error: new Error('x') })).toBe(false)
    })

    it('rejects with a new error only when it is not the body error', async () => {
      const stack = new AsyncExitStack()
      const replacement = new Error('replacement')
      stack.push(() => {
        throw replacement
      })
      expect(await rejectionOf(stack.exit({ error: new Error('x') }))).toBe(replacement)
    })

    it('leaves the stack disposed after withContext', async () => {
      const stack = new AsyncExitStack()
      await withContext(stack, () => {})
      expect(stack.disposed).toBe(true)
      expect(() => stack.defer(() => {})).toThrow(ReferenceError)
    })

    it('leaves the stack disposed after withContext when the body failed', async () => {
      const stack = new AsyncExitStack()
      await rejectionOf(withContext(stack, () => Promise.reject(new Error('x'))))
      expect(stack.disposed).toBe(true)
    })

    it('resolves false and runs nothing when called on an already disposed stack', async () => {
      const stack = new AsyncExitStack()
      let count = 0
      stack.push(() => {
        count++
        return true
      })
      await stack.disposeAsync()
      expect(await stack.exit({ error: new Error('x') })).toBe(false)
      expect(count).toBe(1)
    })

    it('runs ten thousand callbacks without overflowing the call stack', async () => {
      // CPython's test_excessive_nesting.
      let count = 0
      await withContext(new AsyncExitStack(), (stack) => {
        for (let i = 0; i < 10_000; i++) stack.defer(() => void count++)
      })
      expect(count).toBe(10_000)
    })
  })

  describe('enter()', () => {
    it('resolves to the stack itself', async () => {
      const stack = new AsyncExitStack()
      expect(await stack.enter()).toBe(stack)
    })

    it('rejects with ReferenceError on a disposed stack, so withContext does not run the body', async () => {
      const stack = new AsyncExitStack()
      await stack.disposeAsync()
      let ran = false
      const reason = await rejectionOf(
        withContext(stack, () => {
          ran = true
        }),
      )
      expect(reason).toBeInstanceOf(ReferenceError)
      expect(ran).toBe(false)
    })
  })

  describe('disposeAsync()', () => {
    it('calls exit-style entries with no failure, as Python close() does', async () => {
      const manager = recordingManager([], 'a')
      const stack = new AsyncExitStack()
      await stack.enterContext(manager)
      await stack.disposeAsync()
      expect(manager.exits).toEqual([undefined])
    })

    it('lets an exit-style entry suppress a disposal error from an entry inside it', async () => {
      const stack = new AsyncExitStack()
      stack.push(() => true)
      stack.defer(() => {
        throw new Error('inner')
      })
      await expect(stack.disposeAsync()).resolves.toBeUndefined()
    })
  })

  describe('move()', () => {
    it('hands exit-style entries to the new stack, which still lets them see the body error', async () => {
      const seen: (Failure | undefined)[] = []
      const stack = new AsyncExitStack()
      stack.push((failure) => void seen.push(failure))
      const moved = stack.move()
      const error = new Error('body')
      await rejectionOf(withContext(moved, () => Promise.reject(error)))
      expect(seen).toEqual([{ error }])
    })

    it('returns a stack whose exits run once, like Python pop_all()', async () => {
      const log: CallLog = []
      const moved = await withContext(new AsyncExitStack(), async (stack) => {
        await stack.enterContext(recordingManager(log, 'a'))
        return stack.move()
      })
      expect(log).toEqual(['enter a'])
      await moved!.disposeAsync()
      await moved!.disposeAsync()
      expect(log).toEqual(['enter a', 'exit a'])
    })
  })
})
