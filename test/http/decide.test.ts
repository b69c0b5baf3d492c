import { describe, expect, it } from 'vitest'
import { decide } from '../../src/http/_call.js'
import { resolveRedirect, resolveRetry } from '../../src/http/_options.js'
import { ConnectionError, HttpTimeoutError } from '../../src/http/errors.js'

// decide(): the whole retry / redirect / deliver policy of a call, with no server.

const settings = {
  retry: resolveRetry({ limit: 2, baseDelay: 100 }),
  redirect: resolveRedirect(undefined),
}
const noRetry = { ...settings, retry: resolveRetry(false) }
const fresh = { retries: 0, replayed: false }
const url = 'http://127.0.0.1/'
const reset = new ConnectionError({ method: 'GET', url, kind: 'reset', phase: 'headers' })
const closed = new ConnectionError({ method: 'POST', url, kind: 'closed', phase: 'headers' })

describe('decide()', () => {
  it('delivers a plain response', () => {
    expect(decide({ method: 'GET', status: 200, headers: {} }, fresh, settings)).toEqual({
      action: 'deliver',
    })
  })

  it('follows a redirect with a Location, and delivers one without', () => {
    const headers = { location: '/next' }
    for (const status of [301, 302, 303, 307, 308]) {
      expect(decide({ method: 'GET', status, headers }, fresh, settings)).toEqual({
        action: 'follow',
        location: '/next',
      })
    }
    expect(decide({ method: 'GET', status: 302, headers: {} }, fresh, settings).action).toBe(
      'deliver',
    )
  })

  it('delivers a redirect when redirects are off', () => {
    const off = { ...settings, redirect: resolveRedirect(false) }
    const result = { method: 'GET', status: 302, headers: { location: '/x' } }
    expect(decide(result, fresh, off).action).toBe('deliver')
  })

  it('delivers 204 and 304 as they are', () => {
    for (const status of [204, 304]) {
      const result = { method: 'GET', status, headers: { 'content-length': '500' } }
      expect(decide(result, fresh, settings).action).toBe('deliver')
    }
  })

  it('retries a retryable status after Retry-After, and delivers once retries are spent', () => {
    const result = { method: 'GET', status: 503, headers: { 'retry-after': '1' } }
    expect(decide(result, fresh, settings)).toEqual({ action: 'retry', after: 1000, replay: false })
    expect(decide(result, { retries: 2, replayed: false }, settings).action).toBe('deliver')
  })

  it('retries a status with a jittered backoff within the step', () => {
    const decision = decide({ method: 'GET', status: 500, headers: {} }, fresh, settings)
    expect(decision.action).toBe('retry')
    if (decision.action === 'retry') expect(decision.after).toBeLessThan(100)
  })

  it('never retries a POST status', () => {
    expect(decide({ method: 'POST', status: 503, headers: {} }, fresh, settings).action).toBe(
      'deliver',
    )
  })

  it('retries a transient failure of an idempotent request, and delivers it otherwise', () => {
    const failed = { method: 'GET', status: 0, headers: undefined, error: reset }
    expect(decide(failed, fresh, settings).action).toBe('retry')
    expect(decide(failed, fresh, noRetry).action).toBe('deliver')
    const total = new HttpTimeoutError({ method: 'GET', url, phase: 'total', ms: 5 })
    expect(decide({ ...failed, error: total }, fresh, settings).action).toBe('deliver')
  })

  it('replays a stale connection once at once, even with retries off', () => {
    const stale = { method: 'GET', status: 0, headers: undefined, error: reset, stale: true }
    expect(decide(stale, fresh, noRetry)).toEqual({ action: 'retry', after: 0, replay: true })
    expect(decide(stale, { retries: 0, replayed: true }, noRetry).action).toBe('deliver')
  })

  it('never replays a POST on a stale connection', () => {
    const stale = { method: 'POST', status: 0, headers: undefined, error: closed, stale: true }
    expect(decide(stale, fresh, settings).action).toBe('deliver')
  })

  it('retries a body read that failed when the failure is transient', () => {
    const result = { method: 'GET', status: 200, headers: {}, error: reset }
    expect(decide(result, fresh, settings).action).toBe('retry')
    expect(decide(result, fresh, noRetry).action).toBe('deliver')
  })
})
