// `asyncwith fetch --queue`, `asyncwith worker` and `asyncwith status` as real child processes
// against a real redis-server: one record per line, in today's format, and the exit codes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RedisFrontier } from 'asyncwith/frontier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { finished, parseRecords, runCli, spawnCli } from '../_helpers/cli.js'
import { startTestServer, type TestServer } from '../_helpers/http-server.js'
import { type RedisServer, startRedis } from './_redis-server.js'

let redis: RedisServer
let http: TestServer
let dir: string
beforeAll(async () => {
  redis = await startRedis()
  http = await startTestServer()
  dir = mkdtempSync(join(tmpdir(), 'aw-queue-cli-'))
})
afterAll(async () => {
  await http?.close()
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('asyncwith fetch --queue, worker, status', () => {
  it('collects exactly one record per line from two workers, in the format of plain fetch', async () => {
    const lines: string[] = []
    for (let i = 1; i <= 60; i++) {
      if (i === 7) lines.push('')
      else if (i === 8) lines.push('# a comment')
      else if (i === 9) lines.push('not a url')
      else lines.push(http.url(`/status/${i % 10 === 0 ? 404 : 200}?i=${i}`))
    }
    const input = join(dir, 'urls.txt')
    const output = join(dir, 'out.jsonl')
    writeFileSync(input, `${lines.join('\n')}\n`)
    const url = redis.url('cli1')
    const coordinator = spawnCli([
      'fetch',
      '-i',
      input,
      '-o',
      output,
      '--queue',
      url,
      '--per-host',
      '2',
      '-q',
    ])
    const workers = [1, 2].map(() =>
      spawnCli(['worker', url, '--concurrency', '4', '--lease', '2s', '-q']),
    )
    const [done, ...workerResults] = await Promise.all([
      finished(coordinator, 60_000),
      ...workers.map((w) => finished(w, 60_000)),
    ])
    expect(workerResults.map((r) => r.code)).toEqual([0, 0])
    expect(done.code).toBe(1) // 404s and a bad URL count as failed, as with plain fetch
    const records = parseRecords(readFileSync(output, 'utf8'))
    const byLine = records.map((r) => r.line).sort((a, b) => a - b)
    expect(byLine).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1).filter((n) => n !== 7 && n !== 8),
    )
    expect(records.find((r) => r.line === 9)).toMatchObject({
      ok: false,
      error: { code: 'ASYNCWITH_INVALID_URL' },
    })
    expect(records.find((r) => r.line === 10)).toMatchObject({ ok: false, status: 404 })

    // The same line through plain fetch: the same fields in the same order.
    const plain = parseRecords((await runCli(['fetch', lines[10]!])).stdout)[0]!
    const queued = records.find((r) => r.line === 11)!
    expect(Object.keys(queued)).toEqual(Object.keys(plain))
    expect({ ...queued, line: 1, timings: null }).toEqual({ ...plain, timings: null })

    const status = await runCli(['status', url])
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('58/58 done')
  })

  it('status exits 2 for no such job; a second coordinator without --resume is refused', async () => {
    const none = await runCli(['status', redis.url('nosuchjob')])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain("no such job 'nosuchjob'")
    const again = await runCli(['fetch', http.url('/status/200'), '--queue', redis.url('cli1')])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain("job 'cli1' already exists on this Redis: add --resume")
  })

  it('status exits 1 while a job is not done, and shows its workers', async () => {
    await using frontier = await RedisFrontier.open(redis.url('pending'), { consumer: 'w-test' })
    await frontier.defineJob({ perHost: null })
    await frontier.enqueue([http.url('/status/200?p1'), http.url('/status/200?p2')])
    const source = frontier.source({ maxOwned: 1 })
    await source.next() // one line leased by w-test, never committed
    const status = await runCli(['status', redis.url('pending')])
    expect(status.code).toBe(1)
    expect(status.stdout).toContain('0/2 not done')
    expect(status.stdout).toMatch(/w-test {2}pending 1/)
    // Its own report (sent as its source started): rate, records, host and pid.
    expect(status.stdout).toMatch(
      new RegExp(
        `w-test {2}pending 1 {2}idle [\\d.]+s {2}0\\.0 records/s {2}0 records {2}on \\S+ pid ${process.pid},`,
      ),
    )
    await source.return?.()
  })

  it('a coordinator enqueues again what a Redis restart without persistence lost: one record per line', async () => {
    const own = await startRedis() // appendonly no: a kill -9 loses everything
    try {
      const lines = Array.from({ length: 60 }, (_, i) => http.url(`/slow?ms=40&lost=${i + 1}`))
      const input = join(dir, 'lost.txt')
      const output = join(dir, 'lost.jsonl')
      writeFileSync(input, `${lines.join('\n')}\n`)
      const url = own.url('lost')
      const coordinator = spawnCli(['fetch', '-i', input, '-o', output, '--queue', url])
      const worker = spawnCli(['worker', url, '--concurrency', '2', '--lease', '2s', '-q'])
      const written = (): number => {
        try {
          return readFileSync(output, 'utf8').split('\n').length - 1
        } catch {
          return 0
        }
      }
      while (written() < 15) await new Promise((resolve) => setTimeout(resolve, 20))
      await own.kill()
      await own.start()
      const [done, workerDone] = await Promise.all([
        finished(coordinator, 60_000),
        finished(worker, 60_000),
      ])
      expect(done.stderr).toContain('Redis restarted and lost lines')
      expect(done.code).toBe(0)
      expect(workerDone.code).toBe(0)
      const records = parseRecords(readFileSync(output, 'utf8'))
      expect(records.map((r) => r.line).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 60 }, (_, i) => i + 1),
      )
      expect(records.every((r) => r.input === lines[r.line - 1])).toBe(true)
    } finally {
      await own.stop()
    }
  })

  it('a coordinator whose producer meets the loss enqueues the whole input again', async () => {
    const own = await startRedis()
    try {
      const n = 300_000
      const input = join(dir, 'many.txt')
      writeFileSync(
        input,
        `${Array.from({ length: n }, (_, i) => `http://127.0.0.1:1/${i + 1}`).join('\n')}\n`,
      )
      const url = own.url('many')
      const coordinator = spawnCli([
        'fetch',
        '-i',
        input,
        '-o',
        join(dir, 'many.jsonl'),
        '--queue',
        url,
      ])
      let stderr = ''
      coordinator.stderr!.on('data', (text: string) => {
        stderr += text
      })
      const meta = async (field: string): Promise<string> =>
        (await own.command('HGET', 'aw:{many}:meta', field)).trim()
      // Kill Redis while the producer is still at work: lines enqueued, no eof yet.
      while ((await meta('produced')) === '$-1') await new Promise((r) => setTimeout(r, 2))
      expect(await meta('eof')).toBe('$-1')
      await own.kill()
      await own.start()
      while ((await meta('eof')) !== '$1\r\n1') await new Promise((r) => setTimeout(r, 50))
      expect(stderr).toContain('Redis lost enqueued lines')
      expect(await meta('count')).toBe(`$${String(n).length}\r\n${n}`)
      expect((await own.command('XLEN', 'aw:{many}:in')).trim()).toBe(`:${n}`)
      coordinator.kill('SIGKILL')
      await finished(coordinator)
    } finally {
      await own.stop()
    }
  })

  it('worker usage errors name the option and exit 2', async () => {
    const lease = await runCli(['worker', redis.url('u'), '--lease', 'soon'])
    expect(lease.code).toBe(2)
    expect(lease.stderr).toContain(
      "--lease must be a positive time such as 500ms, 30s or 2m, got 'soon'",
    )
    const url = await runCli(['worker', 'redis://127.0.0.1:6379'])
    expect(url.code).toBe(2)
    expect(url.stderr).toContain("Expected the job URL's path to be a job name")
    const none = await runCli(['worker'])
    expect(none.code).toBe(2)
  })

  it('a worker whose Redis dies mid-job exits 75 after --redis-patience, having acked nothing', async () => {
    const own = await startRedis()
    try {
      await using frontier = await RedisFrontier.open(own.url('dies'))
      await frontier.defineJob({
        perHost: null,
        rate: null,
        retries: 0,
        timeout: false,
        headers: {},
        method: 'GET',
        maxBody: false,
        body: 'none',
      })
      await frontier.enqueue(Array.from({ length: 50 }, (_, i) => http.url(`/slow?ms=300&i=${i}`)))
      const worker = spawnCli([
        'worker',
        own.url('dies'),
        '--concurrency',
        '2',
        '--redis-patience',
        '1s',
      ])
      let stderr = ''
      worker.stderr!.on('data', (text: string) => {
        stderr += text
      })
      while (!stderr.includes('working on')) await new Promise((resolve) => setTimeout(resolve, 50))
      await own.kill()
      const result = await finished(worker, 30_000)
      expect(result.code).toBe(75)
      expect(stderr).toContain('nothing acked')
    } finally {
      await own.stop()
    }
  })

  it('a coordinator whose Redis is gone exits 75 after --redis-patience', async () => {
    const gone = await runCli([
      'fetch',
      http.url('/status/200'),
      '--queue',
      `redis+unix://${join(dir, 'no.sock')}?job=x`,
      '--redis-patience',
      '300ms',
    ])
    expect(gone.code).toBe(75)
    expect(gone.stderr).toContain('Redis unreachable for 0 s')
    const alone = await runCli(['fetch', http.url('/status/200'), '--redis-patience', '1s'])
    expect(alone.code).toBe(2)
    expect(alone.stderr).toContain('--redis-patience needs --queue')
    const bad = await runCli([
      'fetch',
      http.url('/'),
      '--queue',
      'redis://h/j',
      '--redis-patience',
      'x',
    ])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(
      "--redis-patience must be a positive time such as 500ms, 30s or 2m, got 'x'",
    )
  })

  it('a worker whose Redis is gone exits 75 after --redis-patience', async () => {
    const gone = await runCli([
      'worker',
      `redis+unix://${join(dir, 'no.sock')}?job=x`,
      '--redis-patience',
      '300ms',
      '-q',
    ])
    expect(gone.code).toBe(75)
  })
})
