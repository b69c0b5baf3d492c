import { runInNewContext } from 'node:vm'
import { suppress, withContext } from 'asyncwith/context'
import { describe, expect, it } from 'vitest'
import { rejectionOf } from '../_helpers/context-log.js'

const fail = (error: unknown) => () => {
  throw error
}

class CodedError extends Error {
  constructor(readonly code: string) {
    super(code)
  }
}

describe('suppress()', () => {
  it('rejects with a TypeError naming the matcher when a predicate returns a promise', async () => {
    const asyncPredicate = (async () => true) as unknown as (error: unknown) => boolean
    const thrown = await withContext(suppress(asyncPredicate), () => {
      throw new Error('body')
    }).catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(TypeError)
    expect((thrown as TypeError).message).toMatch(/matcher 0 .*synchronous/)
  })

  it('suppresses an error of a listed class and resolves undefined', async () => {
    expect(await withContext(suppress(RangeError), fail(new RangeError('x')))).toBeUndefined()
  })

  it('suppresses instances of subclasses of a listed class', async () => {
    expect(await withContext(suppress(Error), fail(new TypeError('x')))).toBeUndefined()
    expect(await withContext(suppress(Error), fail(new CodedError('E')))).toBeUndefined()
  })

  it('lets an error of an unlisted class propagate with its identity', async () => {
    const error = new TypeError('not listed')
    expect(await rejectionOf(withContext(suppress(RangeError, SyntaxError), fail(error)))).toBe(
      error,
    )
  })

  it('does not suppress a parent class when only a subclass is listed', async () => {
    const error = new Error('parent')
    expect(await rejectionOf(withContext(suppress(CodedError), fail(error)))).toBe(error)
  })

  it('matches any of several classes', async () => {
    const manager = suppress(RangeError, SyntaxError)
    expect(await withContext(manager, fail(new SyntaxError('x')))).toBeUndefined()
    expect(await withContext(manager, fail(new RangeError('x')))).toBeUndefined()
  })

  it('matches a class declared without extending Error by instanceof', async () => {
    class Signal {}
    expect(await withContext(suppress(Signal), fail(new Signal()))).toBeUndefined()
  })

  it('suppresses when a predicate returns true for the thrown value', async () => {
    const seen: unknown[] = []
    const error = new CodedError('ENOENT')
    const result = await withContext(
      suppress((e) => {
        seen.push(e)
        return e instanceof CodedError && e.code === 'ENOENT'
      }),
      fail(error),
    )
    expect(result).toBeUndefined()
    expect(seen).toEqual([error])
  })

  it('lets the error propagate when the predicate returns false', async () => {
    const error = new CodedError('EACCES')
    const manager = suppress((e) => (e as CodedError).code === 'ENOENT')
    expect(await rejectionOf(withContext(manager, fail(error)))).toBe(error)
  })

  // Python matches classes with issubclass. The class/predicate heuristic misreads a built-in
  // Error class from another realm (vm, iframe) as a predicate; calling it builds a truthy
  // error, so it suppresses everything. Flip to `it` once fixed.
  it('does not suppress a non-matching error when given an Error class from another realm', async () => {
    const OtherRealmTypeError = runInNewContext('TypeError') as TypeErrorConstructor
    const error = new RangeError('not a TypeError')
    expect(await rejectionOf(withContext(suppress(OtherRealmTypeError), fail(error)))).toBe(error)
  })

  it('treats a plain function expression as a predicate, not as a class', async () => {
    const manager = suppress(function isString(e: unknown) {
      return typeof e === 'string'
    })
    expect(await withContext(manager, fail('a string'))).toBeUndefined()
  })

  it('mixes classes and predicates', async () => {
    const manager = suppress(RangeError, (e) => e === 'sentinel')
    expect(await withContext(manager, fail('sentinel'))).toBeUndefined()
    expect(await withContext(manager, fail(new RangeError('x')))).toBeUndefined()
    expect(await rejectionOf(withContext(manager, fail('other')))).toBe('other')
  })

  it('suppresses nothing when given no matchers', async () => {
    const error = new Error('kept')
    expect(await rejectionOf(withContext(suppress(), fail(error)))).toBe(error)
  })

  it('does not suppress throw undefined when only classes are listed', async () => {
    const reason = await rejectionOf(withContext(suppress(Error), fail(undefined)))
    expect(reason).toBeUndefined()
  })

  it('resolves to the body result when the body completes', async () => {
    expect(await withContext(suppress(Error), () => 'value')).toBe('value')
  })

  it('is reusable', async () => {
    const manager = suppress(RangeError)
    expect(await withContext(manager, fail(new RangeError('1')))).toBeUndefined()
    expect(await withContext(manager, fail(new RangeError('2')))).toBeUndefined()
  })

  it('throws TypeError when a matcher is not a function', () => {
    expect(() => suppress('Error' as never)).toThrow(TypeError)
    expect(() => suppress(RangeError, null as never)).toThrow(TypeError)
  })

  describe('with AggregateError (Python 3.12 ExceptionGroup splitting)', () => {
    it('suppresses a group that matches as a whole', async () => {
      const group = new AggregateError([new TypeError('a')], 'group')
      expect(await withContext(suppress(AggregateError), fail(group))).toBeUndefined()
    })

    it('suppresses a group whose errors all match', async () => {
      const group = new AggregateError([new RangeError('1'), new RangeError('2')], 'only ranges')
      expect(await withContext(suppress(RangeError), fail(group))).toBeUndefined()
    })

    it('suppresses a group whose errors each match one of several matchers', async () => {
      const group = new AggregateError([new RangeError('1'), new SyntaxError('2')], 'mixed')
      expect(await withContext(suppress(RangeError, SyntaxError), fail(group))).toBeUndefined()
    })

    it('throws a new AggregateError of the rest, keeping the message, when some errors match', async () => {
      const keep1 = new TypeError('k1')
      const keep2 = new TypeError('k2')
      const group = new AggregateError(
        [new RangeError('r1'), keep1, new RangeError('r2'), keep2],
        'many types',
      )
      const reason = (await rejectionOf(
        withContext(suppress(RangeError), fail(group)),
      )) as AggregateError
      expect(reason).toBeInstanceOf(AggregateError)
      expect(reason).not.toBe(group)
      expect(reason.message).toBe('many types')
      expect(reason.errors).toHaveLength(2)
      expect(reason.errors[0]).toBe(keep1)
      expect(reason.errors[1]).toBe(keep2)
    })

    it('lets the original group propagate with its identity when nothing in it matches', async () => {
      const group = new AggregateError([new TypeError('a'), new SyntaxError('b')], 'none')
      expect(await rejectionOf(withContext(suppress(RangeError), fail(group)))).toBe(group)
    })

    it('suppresses a group whose nested groups contain only matching errors', async () => {
      const group = new AggregateError(
        [new RangeError('outer'), new AggregateError([new RangeError('inner')], 'nested')],
        'outer',
      )
      expect(await withContext(suppress(RangeError), fail(group))).toBeUndefined()
    })

    it('drops a nested group that empties and keeps the split rest of a partial one', async () => {
      const kept = new TypeError('kept')
      const emptied = new AggregateError([new RangeError('gone')], 'emptied')
      const partial = new AggregateError([new RangeError('gone too'), kept], 'partial')
      const group = new AggregateError([emptied, partial], 'top')
      const reason = (await rejectionOf(
        withContext(suppress(RangeError), fail(group)),
      )) as AggregateError
      expect(reason.message).toBe('top')
      expect(reason.errors).toHaveLength(1)
      const inner = reason.errors[0] as AggregateError
      expect(inner).toBeInstanceOf(AggregateError)
      expect(inner).not.toBe(partial)
      expect(inner.message).toBe('partial')
      expect(inner.errors).toEqual([kept])
      expect(inner.errors[0]).toBe(kept)
    })

    it('removes a nested group that matches as a whole', async () => {
      class Nested extends AggregateError {}
      const kept = new TypeError('kept')
      const group = new AggregateError([new Nested([new TypeError('x')]), kept], 'top')
      const reason = (await rejectionOf(
        withContext(suppress(Nested), fail(group)),
      )) as AggregateError
      expect(reason.errors).toEqual([kept])
    })

    it('keeps an untouched nested group by identity in the rest', async () => {
      const untouched = new AggregateError([new TypeError('t')], 'untouched')
      const group = new AggregateError([new RangeError('gone'), untouched], 'top')
      const reason = (await rejectionOf(
        withContext(suppress(RangeError), fail(group)),
      )) as AggregateError
      expect(reason.errors).toHaveLength(1)
      expect(reason.errors[0]).toBe(untouched)
    })

    it('applies predicates to the errors inside a group', async () => {
      const kept = new CodedError('EACCES')
      const group = new AggregateError([new CodedError('ENOENT'), kept], 'codes')
      const manager = suppress((e) => e instanceof CodedError && e.code === 'ENOENT')
      const reason = (await rejectionOf(withContext(manager, fail(group)))) as AggregateError
      expect(reason.errors).toEqual([kept])
    })
  })
})
