import { describe, expect, it } from 'vitest'
import {
  errorRetryDelay,
  IDEMPOTENT_METHODS,
  RETRY_STATUSES,
  type RetrySettings,
} from '../../src/http/_retry.js'
import { ConnectionError, ProxyError } from '../../src/http/errors.js'

const settings: RetrySettings = {
  limit: 5,
  baseDelay: 100,
  maxDelay: 1000,
  methods: new Set(IDEMPOTENT_METHODS),
  statuses: new Set(RETRY_STATUSES),
}
const url = 'https://a.test/'
const dns = (code: string) =>
  new ConnectionError({
    method: 'GET',
    url,
    kind: 'dns',
    phase: 'connect',
    cause: Object.assign(new Error(`getaddrinfo ${code} a.test`), { code }),
  })
const refused = (status: number) =>
  new ProxyError({ method: 'GET', url, proxy: 'http://p.test:3128', status })

describe('errorRetryDelay() on the network', () => {
  it('never retries a name that does not exist', () => {
    expect(errorRetryDelay(settings, 'GET', dns('ENOTFOUND'), 0)).toBeUndefined()
  })

  it('retries a temporary resolver failure once, as the first retry only', () => {
    expect(errorRetryDelay(settings, 'GET', dns('EAI_AGAIN'), 0)).toBeTypeOf('number')
    expect(errorRetryDelay(settings, 'GET', dns('EAI_AGAIN'), 1)).toBeUndefined()
  })

  it('never retries a proxy 407, and retries a failed CONNECT as its status is', () => {
    expect(errorRetryDelay(settings, 'GET', refused(407), 0)).toBeUndefined()
    expect(errorRetryDelay(settings, 'GET', refused(502), 0)).toBeTypeOf('number')
    expect(errorRetryDelay(settings, 'GET', refused(403), 0)).toBeUndefined()
    expect(errorRetryDelay(settings, 'POST', refused(502), 0)).toBeUndefined()
    expect(errorRetryDelay(settings, 'GET', refused(502), 5)).toBeUndefined()
  })
})
