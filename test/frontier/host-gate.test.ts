// The Redis host gate: its caps hold across gates of different workers, its permits expire
// when their holder dies, and a wait ends when the caller aborts.
import { createClient } from '@redis/client'
import { RedisFrontier } from 'asyncwith/frontier'
import { type HostGate, HttpClient } from 'asyncwith/http'
import { toArray } from 'asyncwith/iter'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../_helpers/http-server.js'
import { type RedisServer, startRedis } from './_redis-server.js'

let redis: RedisServer
let http: TestServer
beforeAll(async () => {
  redis = await startRedis()
  http = await startTestServer()
})
afterAll(async () => {
  await http?.close()
  await redis?.stop()
})

async function exists(key: string): Promise<number> {
  const client = createClient({ socket: { path: redis.socket, tls: false } })
  await client.connect()
  try {
    return Number(await client.sendCommand(['EXISTS', key]))
  } finally {
    await client.close()
  }
}

describe('RedisHostGate', () => {
  it('holds perHost across the gates of two workers, and leaves no permit key', async () => {
    await using a = await RedisFrontier.open(redis.url('gate1'))
    await using b = await RedisFrontier.open(redis.url('gate1'))
    const gates = [a.hostGate({ perHost: 2 }), b.hostGate({ perHost: 2 })]
    let inFlight = 0
    let peak = 0
    let finished = 0
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const permit = await gates[i % 2]!.acquire('site-a')
        inFlight++
        peak = Math.max(peak, inFlight)
        await new Promise((resolve) => setTimeout(resolve, 2))
        inFlight--
        finished++
        permit.release()
      }),
    )
    expect(finished).toBe(24)
    expect(peak).toBe(2)
    // Releases are sent without waiting; the last one lands before a later call on a's connection.
    await a.status()
    await b.status()
    expect(await exists('aw:rl:{site-a}:conc')).toBe(0)
  })

  it('does not let a full host hold back another host', async () => {
    await using a = await RedisFrontier.open(redis.url('gate2'))
    const gate = a.hostGate({ perHost: 1 })
    const held = await gate.acquire('busy')
    const waiting = gate.acquire('busy')
    const other = await gate.acquire('free')
    other.release()
    held.release()
    ;(await waiting).release()
  })

  it('lets a dead holder’s permit expire after permitLease', async () => {
    const dead = await RedisFrontier.open(redis.url('gate3'))
    await dead.hostGate({ perHost: 1, permitLease: 200 }).acquire('site-b')
    await dead.close() // never released, as after a kill -9
    await using live = await RedisFrontier.open(redis.url('gate3'))
    const permit = await live.hostGate({ perHost: 1, permitLease: 200 }).acquire('site-b')
    permit.release()
  })

  it('spaces starts by the rate, and rejects a wait with the signal’s reason', async () => {
    await using a = await RedisFrontier.open(redis.url('gate4'))
    const gate = a.hostGate({ rate: { rate: 1, per: 60_000 } })
    ;(await gate.acquire('site-c')).release()
    const controller = new AbortController()
    const second = gate.acquire('site-c', { signal: controller.signal })
    const third = gate.acquire('site-c', { signal: controller.signal })
    controller.abort(new Error('gave up'))
    await expect(second).rejects.toThrow('gave up')
    await expect(third).rejects.toThrow('gave up')
  })

  it('is asked by HttpClient for every attempt: retries and redirect hops to another host', async () => {
    await using frontier = await RedisFrontier.open(redis.url('gate6'))
    const redis6 = frontier.hostGate({ perHost: 1 })
    const asked: string[] = []
    let held = 0
    const counting: HostGate = {
      async acquire(host, options) {
        const permit = await redis6.acquire(host, options)
        asked.push(host)
        held++
        return {
          release() {
            held--
            permit.release()
          },
        }
      },
    }
    await using client = new HttpClient({
      hostGate: counting,
      retry: { limit: 2, baseDelay: 1, maxDelay: 5 },
    })
    const port = new URL(http.url('/')).port
    const outcomes = await toArray(
      client.fetchAll(
        [
          http.url('/flaky/1?key=gate6'),
          http.url(`/redirect-to?url=http://localhost:${port}/status/200`),
        ],
        { concurrency: 1 },
      ),
    )
    expect(outcomes.map((o) => (o.ok ? o.status : o.error.code))).toEqual([200, 200])
    expect(asked).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', 'localhost'])
    expect(held).toBe(0)
  })

  it('rejects bad limits with a message naming them', async () => {
    await using a = await RedisFrontier.open(redis.url('gate5'))
    expect(() => a.hostGate({ perHost: 0 })).toThrow(
      'Expected `perHost` to be an integer >= 1, got 0',
    )
    await expect(a.hostGate({ perHost: 1 }).acquire('')).rejects.toThrow(
      'Expected `host` to be a non-empty string',
    )
  })
})
