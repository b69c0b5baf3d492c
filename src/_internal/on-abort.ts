import { type WaiterLink, WaiterList } from './waiter-list.js'

interface _Callback extends WaiterLink<_Callback> {
  readonly run: () => void
}

interface _Fanout {
  readonly callbacks: WaiterList<_Callback>
  readonly listener: () => void
}

// One `abort` listener per signal, however many waits share it: a TaskGroup of 100 tasks
// sleeping on the group's signal adds one listener, not 100, so Node never prints
// MaxListenersExceededWarning. A WeakMap keeps no signal alive.
const fanouts = new WeakMap<AbortSignal, _Fanout>()

/**
 * Calls `callback` once when `signal` aborts and returns a function that removes it, in
 * O(1). All callbacks of one signal share one `abort` listener, added with the first and
 * removed with the last, so no listener outlives the waits. Callbacks run in the order they
 * were added; one that throws does not stop the others (its error is rethrown in a
 * microtask, as an event listener's would be reported).
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let fanout = fanouts.get(signal)
  if (fanout === undefined) {
    const callbacks = new WaiterList<_Callback>()
    const listener = (): void => {
      fanouts.delete(signal)
      for (let node = callbacks.shift(); node !== undefined; node = callbacks.shift()) {
        try {
          node.run()
        } catch (error) {
          queueMicrotask(() => {
            throw error
          })
        }
      }
    }
    fanout = { callbacks, listener }
    fanouts.set(signal, fanout)
    signal.addEventListener('abort', listener, { once: true })
  }
  const { callbacks, listener } = fanout
  const node: _Callback = { run: callback }
  callbacks.push(node)
  return () => {
    if (!node.linked) return
    callbacks.remove(node)
    if (callbacks.length === 0 && fanouts.get(signal)?.callbacks === callbacks) {
      fanouts.delete(signal)
      signal.removeEventListener('abort', listener)
    }
  }
}
