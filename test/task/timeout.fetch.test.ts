import { withContext } from 'asyncwith/context'
import { isTimeoutError, timeout } from 'asyncwith/task'
import { describe, expect, it } from 'vitest'
import { startTestServer } from '../_helpers/http-server.js'

// What the README promises for `fetch(url, { signal })` in nested timeout scopes, checked
// against Node's own fetch (undici) and a real local server: fetch rejects with the signal's
// reason unchanged, whatever it is.
describe('fetch() inside nested timeout scopes', () => {
  it('rejects with the outer TimeoutError in the outer scope and an AbortError inside', async () => {
    await using server = await startTestServer()
    const seen: Record<string, unknown> = {}
    const outer = timeout(50)
    const error = await withContext(outer, ({ signal }) =>
      Promise.all([
        fetch(server.url('/slow?ms=5000'), { signal }).catch((reason: unknown) => {
          seen.outer = reason
          throw reason
        }),
        withContext(timeout(10_000, { signal }), (inner) =>
          fetch(server.url('/slow?ms=5000'), { signal: inner.signal }).catch((reason: unknown) => {
            seen.inner = reason
            throw reason
          }),
        ),
      ]),
    ).then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(isTimeoutError(error)).toBe(true)
    expect(error).toBe(outer.signal.reason)
    expect(seen.outer).toBe(outer.signal.reason)
    const inner = seen.inner as DOMException
    expect(inner).toBeInstanceOf(DOMException)
    expect(inner.name).toBe('AbortError')
    expect(isTimeoutError(inner)).toBe(false)
    expect(inner.cause).toBe(outer.signal.reason)
  })
})
