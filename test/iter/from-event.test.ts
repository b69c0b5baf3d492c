import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { BufferOverflowError, isBufferOverflowError } from '../../src/iter/errors.js'
import { fromEvent } from '../../src/iter/from-event.js'
import { abortListeners } from '../_helpers/concurrent-probe.js'

/** An EventTarget that counts its listeners. */
class CountingTarget extends EventTarget {
  listeners = 0
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.listeners++
    super.addEventListener(...args)
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    this.listeners--
    super.removeEventListener(...args)
  }
}

function emit(target: EventTarget, type: string, detail: unknown): void {
  target.dispatchEvent(new CustomEvent(type, { detail }))
}

describe('fromEvent()', () => {
  it('yields the events of an EventTarget, including those sent before next()', async () => {
    const target = new CountingTarget()
    const events = fromEvent<CustomEvent>(target, 'ping')
    emit(target, 'ping', 1)
    const second = events.next()
    expect((await second).value?.detail).toBe(1)
    const third = events.next()
    emit(target, 'ping', 2)
    expect((await third).value?.detail).toBe(2)
    await events.return!()
    expect(target.listeners).toBe(0)
  })

  it('yields the first argument of an EventEmitter listener', async () => {
    const emitter = new EventEmitter()
    const events = fromEvent<string>(emitter, 'data')
    emitter.emit('data', 'a', 'ignored')
    emitter.emit('data', 'b')
    expect(await events.next()).toEqual({ done: false, value: 'a' })
    expect(await events.next()).toEqual({ done: false, value: 'b' })
    await events.return!()
    expect(emitter.listenerCount('data')).toBe(0)
  })

  it('works with addListener/removeListener emitters', async () => {
    const listeners = new Set<(value: number) => void>()
    const emitter = {
      addListener: (_: string, listener: (value: number) => void) => listeners.add(listener),
      removeListener: (_: string, listener: (value: number) => void) => listeners.delete(listener),
    }
    const events = fromEvent<number>(emitter, 'x')
    for (const listener of listeners) listener(7)
    expect(await events.next()).toEqual({ done: false, value: 7 })
    await events.return!()
    expect(listeners.size).toBe(0)
  })

  it('rejects with BufferOverflowError after the waiting events when the buffer is full', async () => {
    const emitter = new EventEmitter()
    const events = fromEvent<number>(emitter, 'n', { capacity: 2 })
    for (const n of [1, 2, 3]) emitter.emit('n', n)
    expect(emitter.listenerCount('n')).toBe(0)
    expect(await events.next()).toEqual({ done: false, value: 1 })
    expect(await events.next()).toEqual({ done: false, value: 2 })
    const failure = await events.next().catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(BufferOverflowError)
    expect(isBufferOverflowError(failure)).toBe(true)
    expect(failure).toMatchObject({ code: 'ASYNCWITH_BUFFER_OVERFLOW', capacity: 2 })
    expect(await events.next()).toEqual({ done: true, value: undefined })
  })

  it('drops the oldest waiting event with overflow drop-oldest', async () => {
    const emitter = new EventEmitter()
    const events = fromEvent<number>(emitter, 'n', { capacity: 2, overflow: 'drop-oldest' })
    for (const n of [1, 2, 3]) emitter.emit('n', n)
    expect(await events.next()).toEqual({ done: false, value: 2 })
    expect(await events.next()).toEqual({ done: false, value: 3 })
    await events.return!()
  })

  it('drops the arriving event with overflow drop-newest', async () => {
    const emitter = new EventEmitter()
    const events = fromEvent<number>(emitter, 'n', { capacity: 2, overflow: 'drop-newest' })
    for (const n of [1, 2, 3]) emitter.emit('n', n)
    expect(await events.next()).toEqual({ done: false, value: 1 })
    expect(await events.next()).toEqual({ done: false, value: 2 })
    emitter.emit('n', 4)
    expect(await events.next()).toEqual({ done: false, value: 4 })
    await events.return!()
  })

  it('ends after the waiting events on endEvent and rejects on errorEvent', async () => {
    const emitter = new EventEmitter()
    const events = fromEvent<number>(emitter, 'n', { endEvent: 'end' })
    emitter.emit('n', 1)
    emitter.emit('end')
    expect(await events.next()).toEqual({ done: false, value: 1 })
    expect(await events.next()).toEqual({ done: true, value: undefined })
    expect(emitter.listenerCount('n') + emitter.listenerCount('end')).toBe(0)

    const error = new Error('emitter')
    const failing = fromEvent<number>(emitter, 'n', { errorEvent: 'error' })
    emitter.emit('error', error)
    await expect(failing.next()).rejects.toBe(error)
    expect(emitter.listenerCount('error')).toBe(0)
  })

  it('rejects with the abort reason unchanged and removes every listener', async () => {
    const target = new CountingTarget()
    const controller = new AbortController()
    const events = fromEvent(target, 'ping', { signal: controller.signal })
    const pending = events.next()
    expect(abortListeners(controller.signal)).toBe(1)
    const reason = { reason: 1 }
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
    expect(target.listeners).toBe(0)
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('adds no listener and rejects the first next() when the signal is already aborted', async () => {
    const target = new CountingTarget()
    const reason = new Error('early')
    const events = fromEvent(target, 'ping', { signal: AbortSignal.abort(reason) })
    expect(target.listeners).toBe(0)
    await expect(events.next()).rejects.toBe(reason)
  })

  it('removes its abort listener on return()', async () => {
    const controller = new AbortController()
    const events = fromEvent(new EventTarget(), 'x', { signal: controller.signal })
    await events.return!()
    expect(abortListeners(controller.signal)).toBe(0)
  })

  it('resolves concurrent next() calls in call order', async () => {
    const emitter = new EventEmitter()
    const events = fromEvent<number>(emitter, 'n')
    const pending = [events.next(), events.next()]
    emitter.emit('n', 1)
    emitter.emit('n', 2)
    expect(await Promise.all(pending)).toEqual([
      { done: false, value: 1 },
      { done: false, value: 2 },
    ])
    await events.return!()
  })

  it('throws at once for a target that cannot be listened to or a bad option', () => {
    expect(() => fromEvent({} as never, 'x')).toThrow(TypeError)
    expect(() => fromEvent(new EventTarget(), 'x', { capacity: 0 })).toThrow(RangeError)
    expect(() => fromEvent(new EventTarget(), 'x', { overflow: 'grow' as never })).toThrow(
      TypeError,
    )
  })
})
