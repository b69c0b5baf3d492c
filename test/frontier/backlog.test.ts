// A worker that stops taking new lines because the collector is behind (`maxUncollected`)
// still takes over a dead worker's lines: an ordered collector (`fetch --queue --ordered`)
// may be waiting for exactly that line before it acks anything, so skipping the takeover
// would stall the job forever.
import { RedisFrontier } from 'asyncwith/frontier'
import { HttpClient } from 'asyncwith/http'
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

describe('RedisFrontier backlog', () => {
  it("takes over a dead worker's line while the collector's backlog is over maxUncollected", async () => {
    const url = redis.url('backlog')
    const lines = [1, 2, 3, 4].map((i) => http.url(`/status/200?b=${i}`))
    await using client = new HttpClient()

    // A worker takes line 1 and dies without committing it.
    const dead = await RedisFrontier.open(url, { consumer: 'dead' })
    await dead.defineJob({})
    await dead.enqueue(lines)
    const taken = await dead.source({ maxOwned: 1 }).next()
    expect(taken.value).toBe(lines[0])
    await dead.close()

    // A healthy worker commits lines 2-4; nobody collects them.
    {
      await using healthy = await RedisFrontier.open(url, { consumer: 'healthy', lease: 60_000 })
      const source = healthy.source({ maxOwned: 3 })
      let committed = 0
      for await (const outcome of client.fetchAll(source)) {
        await healthy.commit(outcome)
        // End the source itself: fetchAll is waiting in its next() for a line that never comes.
        if (++committed === 3) await source.return?.()
      }
      await healthy.flush()
    }

    // Three records wait for the collector, over this worker's limit of 2: it takes no new
    // lines, but line 1 (idle past its lease) is taken over, fetched and committed.
    await using late = await RedisFrontier.open(url, {
      consumer: 'late',
      lease: 300,
      maxUncollected: 2,
    })
    expect((await late.status()).uncollected).toBe(3)
    const source = late.source({ maxOwned: 4 })
    // Without the takeover nothing would ever come: end the source then, so the test fails
    // on what it checks instead of timing out.
    const guard = setTimeout(() => source.return?.(), 10_000)
    try {
      for await (const outcome of client.fetchAll(source)) await late.commit(outcome)
      await late.flush()
    } finally {
      clearTimeout(guard)
    }
    expect(late.stats).toMatchObject({ claimed: 1, written: 1 })
    const status = await late.status()
    expect([status.done, status.count, status.uncollected]).toEqual([4, 4, 4])
  })
})
