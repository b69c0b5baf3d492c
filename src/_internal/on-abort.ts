/**
 * Calls `listener` once when `signal` aborts and returns a function that removes it. Every
 * caller runs the remover when it settles, so no listener outlives the wait.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  signal.addEventListener('abort', listener, { once: true })
  return () => signal.removeEventListener('abort', listener)
}
