// The frontier against a real redis-server: every line gets exactly one record, commits are
// idempotent, a stalled worker's lines are taken over and its errors fenced, poison lines end
// as records, and Redis is left clean.
import { hostname } from 'node:os'
import { createClient } from '@redis/client'
import {
  RedisFrontier,
  RedisLostWritesError,
  RedisUnavailableError,
  type WorkerStatus,
} from 'asyncwith/frontier'
import { HttpClient } from 'asyncwith/http'
import { toArray } from 'asyncwith/iter'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../_helpers/http-server.js'
import { type RedisServer, startRedis } from './_redis-server.js'

let redis: RedisServer
let http: TestServer
let jobs = 0
const nextJob = (): string => `t${++jobs}`

beforeAll(async () => {
  redis = await startRedis()
  http = await startTestServer()
})
afterAll(async () => {
  await http?.close()
  await redis?.stop()
})

async function inspect<T>(
  fn: (client: { sendCommand(args: string[]): Promise<unknown> }) => Promise<T>,
): Promise<T> {
  const client = createClient({ socket: { path: redis.socket, tls: false } })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.close()
  }
}

/** XLEN in/out and the workers' PEL size of a job: all 0 once it is done. */
async function leftovers(job: string): Promise<{ in: number; out: number; pending: number }> {
  return inspect(async (client) => {
    const pending = (await client.sendCommand(['XPENDING', `aw:{${job}}:in`, 'workers'])) as [
      number,
    ]
    return {
      in: Number(await client.sendCommand(['XLEN', `aw:{${job}}:in`])),
      out: Number(await client.sendCommand(['XLEN', `aw:{${job}}:out`])),
      pending: Number(pending[0]),
    }
  })
}

async function collect(frontier: RedisFrontier): Promise<{ line: number; json: string }[]> {
  const all: { line: number; json: string }[] = []
  for await (const batch of frontier.results({ batch: 7 })) {
    all.push(...batch.records)
    await batch.ack()
  }
  return all
}

describe('RedisFrontier', () => {
  it('gives every enqueued line exactly one record, and leaves the streams empty', async () => {
    const job = nextJob()
    const urls = Array.from({ length: 40 }, (_, i) =>
      http.url(`/status/${i % 5 === 0 ? 404 : 200}?n=${i}`),
    )
    await using frontier = await RedisFrontier.open(redis.url(job), { lease: 5000 })
    expect(await frontier.enqueue([...urls, 'not a url'])).toBe(41)
    await using client = new HttpClient()
    for await (const outcome of client.fetchAll(frontier.source({ maxOwned: 8 }), {
      concurrency: 4,
    })) {
      await frontier.commit(outcome)
    }
    await frontier.flush()
    const records = await collect(frontier)
    expect(records.map((r) => r.line).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 41 }, (_, i) => i + 1),
    )
    const last = JSON.parse(records.find((r) => r.line === 41)!.json)
    expect(last).toMatchObject({
      input: 'not a url',
      ok: false,
      error: { code: 'ASYNCWITH_INVALID_URL' },
    })
    const status = await frontier.status()
    expect(status).toMatchObject({ exists: true, count: 41, done: 41, eof: true, duplicates: 0 })
    expect(status.byStatusClass).toEqual({ '2xx': 32, '4xx': 8 })
    expect(await leftovers(job)).toEqual({ in: 0, out: 0, pending: 0 })
  })

  it('deletes acked records only once every earlier batch is acked too', async () => {
    const job = nextJob()
    await using frontier = await RedisFrontier.open(redis.url(job))
    await frontier.enqueue(Array.from({ length: 6 }, (_, i) => http.url(`/status/200?ack=${i}`)))
    await using client = new HttpClient()
    for await (const outcome of client.fetchAll(frontier.source())) await frontier.commit(outcome)
    await frontier.flush()
    const results = frontier.results({ batch: 3 })
    const first = (await results.next()).value!
    const second = (await results.next()).value!
    expect([first.records.length, second.records.length]).toEqual([3, 3])
    // The later batch acked first: nothing may go yet, or a crash now would lose the first.
    await second.ack()
    expect((await leftovers(job)).out).toBe(6)
    await first.ack()
    expect(await leftovers(job)).toEqual({ in: 0, out: 0, pending: 0 })
    expect((await results.next()).done).toBe(true)
  })

  it('leaves no timer or socket behind once closed', async () => {
    const handles = (): string[] =>
      process.getActiveResourcesInfo().filter((type) => type === 'Timeout' || type === 'PipeWrap')
    const before = handles().length
    const frontier = await RedisFrontier.open(redis.url(nextJob()), { lease: 300 })
    await frontier.enqueue([http.url('/status/200?leak'), 'not a url'])
    const client = new HttpClient()
    const gate = frontier.hostGate({ perHost: 1, rate: { rate: 100, per: 1000 } })
    for await (const outcome of client.fetchAll(frontier.source({ gate })))
      await frontier.commit(outcome)
    for await (const batch of frontier.results()) await batch.ack()
    await frontier.close()
    await client.close()
    expect(handles().length).toBeLessThanOrEqual(before)
  })

  it('shows each worker with its own report (host, pid, records, rate) and prunes dead ones', async () => {
    const job = nextJob()
    const key = `aw:{${job}}:workers`
    await using frontier = await RedisFrontier.open(redis.url(job), {
      consumer: 'w-report',
      reportEvery: 50,
    })
    await frontier.enqueue(Array.from({ length: 30 }, (_, i) => http.url(`/slow?ms=20&r=${i}`)))
    // A killed worker's last report, long stale: the next report removes it.
    const dead = { host: 'gone', pid: 1, rate: 9, fetched: 9, started: 1, seen: 1 }
    await inspect((c) => c.sendCommand(['HSET', key, 'w-dead', JSON.stringify(dead)]))
    const mine = async (): Promise<WorkerStatus | undefined> =>
      (await frontier.status()).workers.find((w) => w.name === 'w-report')
    await using client = new HttpClient()
    const seen: WorkerStatus[] = []
    let committed = 0
    for await (const outcome of client.fetchAll(frontier.source({ maxOwned: 4 }), {
      concurrency: 2,
    })) {
      await frontier.commit(outcome)
      if (++committed % 3 === 0) seen.push((await mine())!)
    }
    await frontier.flush()
    // Leased lines show as pending (at most maxOwned), and some interval had commits in it.
    expect(Math.max(...seen.map((w) => w.pending))).toBeLessThanOrEqual(4)
    expect(Math.max(...seen.map((w) => w.report?.rate ?? 0))).toBeGreaterThan(0)
    // A report after the last commit: every record counted, and no commit in its interval.
    let last = await mine()
    while (!(last?.report?.fetched === 30 && last.report.rate === 0)) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      last = await mine()
    }
    expect(last).toMatchObject({
      pending: 0,
      report: { host: hostname(), pid: process.pid, fetched: 30, rate: 0 },
    })
    expect(last.report!.started).toBeGreaterThan(1)
    const status = await frontier.status()
    expect(status.workers.map((w) => w.name)).toEqual(['w-report'])
    // The hash expires on its own once no worker reports; a clean close removes its report.
    expect(Number(await inspect((c) => c.sendCommand(['PTTL', key])))).toBeGreaterThan(0)
    await frontier.close()
    expect(await inspect((c) => c.sendCommand(['HKEYS', key]))).toEqual([])
  })

  it('resumes an enqueue that died halfway without adding a line twice', async () => {
    const job = nextJob()
    const lines = Array.from({ length: 25 }, (_, i) => `http://127.0.0.1:1/${i}`)
    await using frontier = await RedisFrontier.open(redis.url(job))
    async function* dying(): AsyncGenerator<string> {
      for (const [i, line] of lines.entries()) {
        if (i === 10) throw new Error('producer killed')
        yield line
      }
    }
    await expect(frontier.enqueue(dying())).rejects.toThrow('producer killed')
    expect(await frontier.enqueue(lines)).toBe(25)
    const texts = await inspect(async (client) => {
      const entries = (await client.sendCommand(['XRANGE', `aw:{${job}}:in`, '-', '+'])) as [
        string,
        string[],
      ][]
      return entries.map(([, fields]) => fields[3])
    })
    expect(texts).toEqual(lines)
  })

  it('takes over a stalled worker, dedupes its late ok commits and fences its late errors', async () => {
    const job = nextJob()
    // The zombie would renew only every 100 s: it is as good as stopped, while the healthy
    // worker takes over lines idle for 300 ms.
    await using zombie = await RedisFrontier.open(redis.url(job), {
      lease: 300_000,
      consumer: 'zombie',
    })
    await using healthy = await RedisFrontier.open(redis.url(job), {
      lease: 300,
      consumer: 'healthy',
    })
    await zombie.enqueue([http.url('/status/200?a'), http.url('/status/200?b')])
    const leased = zombie.source({ maxOwned: 2 })
    const first = await leased.next()
    const second = await leased.next()
    expect([first.value, second.value]).toEqual([
      http.url('/status/200?a'),
      http.url('/status/200?b'),
    ])
    await leased.return?.()

    await using client = new HttpClient()
    for await (const outcome of client.fetchAll(healthy.source({ maxOwned: 4 }), {
      concurrency: 2,
    })) {
      await healthy.commit(outcome)
    }
    await healthy.flush()
    expect(healthy.stats.claimed).toBe(2)

    // Late: an ok outcome for line 1 (deduped) and an error for line 2 (fenced).
    const okOutcome = await toArray(client.fetchAll([http.url('/status/200?a')]))
    await zombie.commit({ ...okOutcome[0]!, index: 0 })
    const errorOutcome = await toArray(
      client.fetchAll(['http://127.0.0.1:1/refused'], { retry: { limit: 0 } }),
    )
    await zombie.commit({ ...errorOutcome[0]!, index: 1 })
    await zombie.flush()
    expect(zombie.stats).toMatchObject({ written: 0, duplicates: 1, fenced: 1 })

    const records = await collect(healthy)
    expect(records.map((r) => JSON.parse(r.json).ok)).toEqual([true, true])
    expect(await healthy.status()).toMatchObject({ done: 2, duplicates: 1, fenced: 1 })
    expect(await leftovers(job)).toEqual({ in: 0, out: 0, pending: 0 })
  })

  it('records a line delivered more than poisonAfter times as ASYNCWITH_POISON, unfetched', async () => {
    const job = nextJob()
    const lease = 200
    await using producer = await RedisFrontier.open(redis.url(job), { lease })
    await producer.enqueue([http.url('/status/200?poison')])
    // Two workers die in turn holding the line (their sources just stop, nothing commits).
    for (const name of ['dies1', 'dies2']) {
      await using dying = await RedisFrontier.open(redis.url(job), { lease, consumer: name })
      const source = dying.source({ maxOwned: 1 })
      expect((await source.next()).value).toBe(http.url('/status/200?poison'))
      await source.return?.()
    }
    await using last = await RedisFrontier.open(redis.url(job), {
      lease,
      poisonAfter: 2,
      consumer: 'last',
    })
    const hits = http.requests.length
    await using client = new HttpClient()
    for await (const outcome of client.fetchAll(last.source({ maxOwned: 1 })))
      await last.commit(outcome)
    await last.flush()
    expect(http.requests.length).toBe(hits)
    const [record] = await collect(last)
    expect(JSON.parse(record!.json)).toMatchObject({
      line: 1,
      ok: false,
      error: { code: 'ASYNCWITH_POISON' },
    })
  })

  it('rejects an outcome that is not from its source, naming the index', async () => {
    await using frontier = await RedisFrontier.open(redis.url(nextJob()))
    await using client = new HttpClient()
    const [outcome] = await toArray(client.fetchAll([http.url('/status/200')]))
    await expect(frontier.commit(outcome!)).rejects.toThrow(
      /Expected an outcome of this frontier's source\(\), got index 0/,
    )
  })

  it('rejects bad options and job URLs with a typed error naming them', async () => {
    await expect(RedisFrontier.open('redis://127.0.0.1:6379')).rejects.toMatchObject({
      code: 'ASYNCWITH_JOB_URL',
    })
    await expect(RedisFrontier.open('http://x/job')).rejects.toThrow(/start with redis:\/\//)
    await expect(RedisFrontier.open(redis.url('j'), { lease: -1 })).rejects.toThrow(
      'Expected `lease` to be a number >= 1, got -1',
    )
  })

  it('gives up after `patience` with RedisUnavailableError, having acked nothing', async () => {
    const own = await startRedis()
    try {
      const frontier = await RedisFrontier.open(own.url('gone'), { patience: 300 })
      await own.kill()
      await expect(frontier.enqueue(['http://127.0.0.1:1/'])).rejects.toBeInstanceOf(
        RedisUnavailableError,
      )
      await frontier.close()
    } finally {
      await own.stop()
    }
  })
})

describe('RedisFrontier through a Redis kill -9 (AOF appendfsync always)', () => {
  it('loses and duplicates nothing when Redis dies mid-job and restarts from its AOF', async () => {
    const own = await startRedis({ aof: true })
    try {
      const urls = Array.from({ length: 300 }, (_, i) => http.url(`/status/200?k=${i}`))
      await using frontier = await RedisFrontier.open(own.url('aof'), {
        lease: 5000,
        commitBatch: 16,
      })
      await frontier.enqueue(urls)
      await using client = new HttpClient()
      let restarted: Promise<void> | undefined
      for await (const outcome of client.fetchAll(frontier.source({ maxOwned: 32 }), {
        concurrency: 8,
      })) {
        await frontier.commit(outcome)
        if (restarted === undefined && frontier.stats.written >= 64) {
          restarted = own.kill().then(async () => {
            await new Promise((resolve) => setTimeout(resolve, 300))
            await own.start()
          })
        }
      }
      await frontier.flush()
      await restarted
      expect(frontier.retries).toBeGreaterThan(0)
      const records = await collect(frontier)
      const lines = records.map((r) => r.line)
      expect(new Set(lines).size).toBe(lines.length)
      expect(lines.sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
      expect(await frontier.status()).toMatchObject({ done: 300, count: 300 })
    } finally {
      await own.stop()
    }
  })
})

describe('RedisFrontier through a Redis restart that lost writes (no persistence)', () => {
  it('an enqueue that meets the loss rejects with RedisLostWritesError; enqueueing again fills the gap', async () => {
    const own = await startRedis()
    try {
      const lines = Array.from({ length: 2500 }, (_, i) => `http://127.0.0.1:1/${i}`)
      await using frontier = await RedisFrontier.open(own.url('lost'))
      const firstRunId = await frontier.redisRunId()
      let restart: (() => Promise<void>) | undefined = async () => {
        await own.kill()
        await own.start()
      }
      async function* pausing(): AsyncGenerator<string> {
        for (const [i, line] of lines.entries()) {
          // After the first batch (1000 lines) reached Redis, Redis dies and comes back empty.
          if (i === 1500 && restart !== undefined) {
            await restart()
            restart = undefined
          }
          yield line
        }
      }
      const error = await frontier.enqueue(pausing()).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RedisLostWritesError)
      expect(error).toMatchObject({ produced: 0, expected: 1000 })
      expect(await frontier.redisRunId()).not.toBe(firstRunId)
      // Nothing went past the gap: the stream holds no line at all.
      expect(Number(await inspectOn(own, ['XLEN', 'aw:{lost}:in']))).toBe(0)
      expect(await frontier.enqueue(lines)).toBe(2500)
      const texts = await inspectOn(own, ['XRANGE', 'aw:{lost}:in', '-', '+'])
      const numbers = (texts as [string, string[]][]).map(([, fields]) => Number(fields[1]))
      expect(numbers).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1))
      expect(await frontier.status()).toMatchObject({ count: 2500, eof: true })
    } finally {
      await own.stop()
    }
  })
})

async function inspectOn(server: RedisServer, args: string[]): Promise<unknown> {
  const client = createClient({ socket: { path: server.socket, tls: false } })
  await client.connect()
  try {
    return await client.sendCommand(args)
  } finally {
    await client.close()
  }
}
