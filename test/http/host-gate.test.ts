import { type HostGate, type HostPermit, HttpClient, localHostGate } from 'asyncwith/http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { flakyKey, startTestServer, type TestServer } from '../_helpers/http-server.js'
import { rejectionOf, useClients } from './_client-fixtures.js'

// The `hostGate` option: the engine asks the gate before every attempt and gives every
// permit back exactly once, whatever the attempt ends in.

const { client: newClient } = useClients()
let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

/** A gate that counts, around the local one (or around one that never answers). */
function countingGate(inner: HostGate = localHostGate()) {
  const counts = { acquired: 0, released: 0, waiting: 0, hosts: [] as string[] }
  const gate: HostGate = {
    async acquire(host, options) {
      counts.waiting++
      counts.hosts.push(host)
      let permit: HostPermit
      try {
        permit = await inner.acquire(host, options)
      } finally {
        counts.waiting--
      }
      counts.acquired++
      let released = false
      return {
        release() {
          if (released) throw new Error('Permit released twice')
          released = true
          counts.released++
          permit.release()
        },
      }
    },
  }
  return { gate, counts }
}

const never: HostGate = {
  acquire: (_host, options) =>
    new Promise((_resolve, reject) => {
      options?.signal?.addEventListener('abort', () => reject(options.signal?.reason), {
        once: true,
      })
    }),
}

describe('HttpClient hostGate', () => {
  it('asks the gate once per attempt and gets every permit back once', async () => {
    const { gate, counts } = countingGate()
    const client = newClient({ hostGate: gate })
    await (await client.get(server.url('/json'))).json()
    expect(counts).toMatchObject({ acquired: 1, released: 1, hosts: ['127.0.0.1'] })
  })

  it('asks again for every retry and gives the permit back before the backoff', async () => {
    const { gate, counts } = countingGate()
    const client = newClient({ hostGate: gate, retry: { limit: 3, baseDelay: 1 } })
    const response = await client.get(server.url(`/flaky/2?key=${flakyKey()}`))
    expect(await response.text()).toBe('ok')
    expect(response.attempts).toBe(3)
    expect(counts).toMatchObject({ acquired: 3, released: 3 })
  })

  it('asks again for every redirect hop', async () => {
    const { gate, counts } = countingGate()
    const client = newClient({ hostGate: gate })
    const response = await client.get(server.url('/redirect/3'))
    expect(await response.text()).toBe('done')
    expect(counts).toMatchObject({ acquired: 4, released: 4 })
  })

  it('gets the permit back when the body is released, fails or is read later', async () => {
    const { gate, counts } = countingGate()
    const client = newClient({ hostGate: gate, retry: 0 })
    const stalled = await client.get(server.url('/stall-body'))
    expect(counts).toMatchObject({ acquired: 1, released: 0 })
    await stalled.release()
    expect(counts.released).toBe(1)
    const reset = await client.get(server.url('/reset-mid-body'))
    await rejectionOf(reset.text())
    expect(counts).toMatchObject({ acquired: 2, released: 2 })
    await rejectionOf(client.get(server.url('/no-headers'), { timeout: { headers: 30 } }))
    expect(counts).toMatchObject({ acquired: 3, released: 3 })
  })

  it('rejects with the reason of an abort while waiting in acquire, leaking nothing', async () => {
    const { gate, counts } = countingGate(never)
    const client = newClient({ hostGate: gate })
    const controller = new AbortController()
    const pending = rejectionOf(client.get(server.url('/json'), { signal: controller.signal }))
    await new Promise((resolve) => setImmediate(resolve))
    expect(counts.waiting).toBe(1)
    const reason = new Error('stop')
    controller.abort(reason)
    expect(await pending).toBe(reason)
    expect(counts).toMatchObject({ waiting: 0, acquired: 0, released: 0 })
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })

  it('replaces perHost and rateLimit, while connections stay local', async () => {
    const { gate, counts } = countingGate()
    const client = newClient({ hostGate: gate, perHost: 1, connections: 2 })
    // perHost: 1 would hold the second back; the gate (unlimited) lets both connections go.
    const two = await Promise.all([1, 2].map(() => client.get(server.url('/stall-body'))))
    expect(counts.acquired).toBe(2)
    const third = client.get(server.url('/json')).then((response) => response.json())
    await new Promise((resolve) => setTimeout(resolve, 20))
    // The third waits for one of the two connections, before it asks the gate.
    expect(counts).toMatchObject({ acquired: 2, waiting: 0 })
    await two[0]?.release()
    await third
    await two[1]?.release()
    expect(counts).toMatchObject({ acquired: 3, released: 3 })
  })

  it('checks the option', () => {
    expect(() => new HttpClient({ hostGate: {} as never })).toThrow(/`hostGate`/)
  })
})

describe('localHostGate()', () => {
  it('holds requests per host to perHost', async () => {
    const gate = localHostGate({ perHost: 1 })
    const first = await gate.acquire('a')
    const other = await gate.acquire('b')
    let second: HostPermit | undefined
    const waiting = gate.acquire('a').then((permit) => {
      second = permit
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(second).toBeUndefined()
    first.release()
    await waiting
    expect(second).toBeDefined()
    second?.release()
    other.release()
  })

  it('rejects with the signal reason when aborted while waiting', async () => {
    const gate = localHostGate({ perHost: 1 })
    const held = await gate.acquire('a')
    const reason = new Error('gone')
    const controller = new AbortController()
    const waiting = gate.acquire('a', { signal: controller.signal })
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
    held.release()
  })

  it('checks its options', () => {
    expect(() => localHostGate({ perHost: 0 })).toThrow(/`perHost`/)
    expect(() => localHostGate({ rateLimit: { rate: 0 } })).toThrow(/rateLimit\.rate/)
  })
})
