// The scale-out acceptance test (design §11) as a harness: N lines over H loopback hosts, a
// coordinator and W workers as real child processes, kill -9 (or SIGSTOP) on a schedule,
// Redis killed -9 and restarted from its AOF. It reports every check rather than throwing,
// so the negative controls can show that it fails.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@redis/client'
import { ROOT } from '../_helpers/cli.js'
import { type RedisServer, startRedis } from './_redis-server.js'

export interface AcceptanceConfig {
  readonly lines: number
  readonly hosts: number
  readonly workers: number
  /** Every `blankEvery`th line is blank or a comment; every other 1000th is `not a url`. */
  readonly blankEvery: number
  readonly badEvery: number
  readonly perHost: number
  readonly rate: number
  readonly concurrency: number
  readonly maxOwned: number
  /** ms after the start: a worker (1-based) killed, the coordinator killed, Redis killed. */
  readonly schedule: readonly Step[]
  /** Give up (and fail) after this many ms. */
  readonly deadline: number
  /** Each response's delay in ms: [least, most]. @defaultValue [5, 40] */
  readonly latency?: readonly [number, number]
  /** The job's --timeout. @defaultValue '3s' */
  readonly timeout?: string
  /** ASYNCWITH_FRONTIER_FAULT for the workers: only the negative controls set it. */
  readonly fault?: 'ack-on-read' | 'no-dedupe' | 'no-renew'
}

export type Step =
  | { readonly at: number; readonly kill: `w${number}` | 'collector' }
  | { readonly at: number; readonly stop: `w${number}`; readonly ms: number }
  | { readonly at: number; readonly redisDown: number }

export interface AcceptanceReport {
  readonly passed: boolean
  readonly failures: readonly string[]
  readonly expected: number
  readonly records: number
  readonly missing: number
  readonly duplicated: number
  readonly unexpected: number
  readonly refetches: number
  readonly refetchBound: number
  readonly peakInFlight: number
  readonly busiestSecond: number
  readonly seconds: number
}

const LEASE = '2s'

export async function runAcceptance(config: AcceptanceConfig): Promise<AcceptanceReport> {
  const dir = mkdtempSync(join(tmpdir(), 'aw-scaleout-'))
  const redis = await startRedis({ aof: true })
  const sites = await Promise.all(
    Array.from({ length: config.hosts }, (_, i) =>
      startSite(`127.0.0.${i + 1}`, config.latency ?? [5, 40]),
    ),
  )
  const children = new Set<ChildProcess>()
  const started = Date.now()
  try {
    // The input: line i goes to host i % H; blank lines, comments, bad URLs and 404s among them.
    const text: string[] = []
    const expected = new Map<number, string>()
    for (let i = 1; i <= config.lines; i++) {
      let line: string
      if (i % config.blankEvery === 0)
        line = (i / config.blankEvery) % 2 === 0 ? '' : `# comment ${i}`
      else if (i % config.badEvery === 0 && (i / config.badEvery) % 2 === 1) line = 'not a url'
      else {
        const site = sites[i % config.hosts]!
        line = `http://${site.host}:${site.port}/p/${i}`
      }
      text.push(line)
      if (line !== '' && !line.startsWith('#')) expected.set(i, line)
    }
    const input = join(dir, 'urls.txt')
    const output = join(dir, 'out.jsonl')
    writeFileSync(input, `${text.join('\n')}\n`)
    const url = redis.url('accept')

    const run = (args: string[], env: Record<string, string> = {}): ChildProcess => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'ignore'],
      })
      children.add(child)
      child.once('exit', () => children.delete(child))
      return child
    }
    const exitOf = (child: ChildProcess): Promise<number | null> =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve(child.exitCode)
        : new Promise((resolve) => child.once('exit', (code) => resolve(code)))
    const coordinatorArgs = (resume: boolean): string[] => [
      'fetch',
      '-i',
      input,
      '-o',
      output,
      '--queue',
      url,
      '--per-host',
      String(config.perHost),
      '--rate',
      `${config.rate}/s`,
      '--timeout',
      config.timeout ?? '3s',
      '-q',
      ...(resume ? ['--resume'] : []),
    ]
    const workerEnv: Record<string, string> =
      config.fault === undefined ? {} : { ASYNCWITH_FRONTIER_FAULT: config.fault }
    const startWorker = (): ChildProcess =>
      run(
        [
          'worker',
          url,
          '--concurrency',
          String(config.concurrency),
          '--max-owned',
          String(config.maxOwned),
          '--lease',
          LEASE,
          '-q',
        ],
        workerEnv,
      )

    let coordinator = run(coordinatorArgs(false))
    const workers = Array.from({ length: config.workers }, startWorker)
    // The schedule starts with the work, not with the processes (tsx start-up takes a while).
    await firstRecord(redis, started + config.deadline)
    let disrupted = 0
    const timers: ReturnType<typeof setTimeout>[] = []
    const later = (ms: number, fn: () => unknown): void => {
      timers.push(setTimeout(fn, ms))
    }
    for (const step of config.schedule) {
      later(step.at, async () => {
        if ('redisDown' in step) {
          await redis.kill('SIGKILL')
          later(step.redisDown, () => redis.start())
        } else if ('kill' in step) {
          if (step.kill === 'collector') {
            coordinator.kill('SIGKILL')
            later(300, () => {
              coordinator = run(coordinatorArgs(true))
            })
          } else {
            const n = Number(step.kill.slice(1)) - 1
            workers[n]!.kill('SIGKILL')
            disrupted++
            later(300, () => {
              workers[n] = startWorker()
            })
          }
        } else {
          const n = Number(step.stop.slice(1)) - 1
          const child = workers[n]!
          child.kill('SIGSTOP')
          disrupted++
          later(step.ms, () => child.kill('SIGCONT'))
        }
      })
    }

    // Done when the last coordinator has exited and every worker has followed.
    const lastStep = Math.max(
      0,
      ...config.schedule.map(
        (s) => s.at + ('redisDown' in s ? s.redisDown : 'stop' in s ? s.ms : 300),
      ),
    )
    const finished = (async () => {
      await new Promise((resolve) => setTimeout(resolve, lastStep + 50))
      for (;;) {
        const current = coordinator
        await exitOf(current)
        if (current === coordinator) break
      }
      await Promise.all(workers.map((w) => exitOf(w)))
      return true
    })()
    const inTime = await Promise.race([
      finished,
      new Promise<false>((resolve) => later(config.deadline, () => resolve(false))),
    ])
    for (const t of timers) clearTimeout(t)
    for (const child of children) {
      child.kill('SIGCONT')
      child.kill('SIGKILL')
    }
    const seconds = (Date.now() - started) / 1000

    const failures: string[] = []
    if (!inTime) failures.push(`not finished within ${config.deadline / 1000} s`)
    // 1. Exactly one record per expected line, with its input.
    const seen = new Map<number, number>()
    let unexpected = 0
    let records = 0
    for (const raw of readFileSafe(output).split('\n')) {
      if (raw === '') continue
      records++
      const record = JSON.parse(raw) as { line: number; input: string }
      if (expected.get(record.line) !== record.input) unexpected++
      seen.set(record.line, (seen.get(record.line) ?? 0) + 1)
    }
    let missing = 0
    let duplicated = 0
    for (const line of expected.keys()) {
      const n = seen.get(line) ?? 0
      if (n === 0) missing++
      if (n > 1) duplicated += n - 1
    }
    if (missing + duplicated + unexpected > 0) {
      failures.push(
        `records: ${missing} missing, ${duplicated} duplicated, ${unexpected} unexpected`,
      )
    }
    // 2. Redis left clean (once Redis is up; permits expire after their lease).
    if (inTime) failures.push(...(await redisLeftovers(redis, expected.size)))
    // 3. Politeness, seen from the servers.
    const peakInFlight = Math.max(...sites.map((s) => s.peak))
    const busiestSecond = Math.max(...sites.map((s) => busiest(s.starts)))
    if (peakInFlight > config.perHost)
      failures.push(`peak in flight ${peakInFlight} > ${config.perHost}`)
    if (busiestSecond > config.rate + 1)
      failures.push(`busiest second ${busiestSecond} > ${config.rate + 1}`)
    // 4. Refetches bounded by what the disrupted workers could hold.
    let refetches = 0
    for (const site of sites) for (const n of site.hits.values()) refetches += Math.max(0, n - 1)
    const refetchBound = disrupted * config.maxOwned
    if (refetches > refetchBound) failures.push(`refetches ${refetches} > ${refetchBound}`)
    return {
      passed: failures.length === 0,
      failures,
      expected: expected.size,
      records,
      missing,
      duplicated,
      unexpected,
      refetches,
      refetchBound,
      peakInFlight,
      busiestSecond,
      seconds,
    }
  } finally {
    for (const child of children) {
      child.kill('SIGCONT')
      child.kill('SIGKILL')
    }
    await Promise.all(sites.map((s) => s.close()))
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function firstRecord(redis: RedisServer, until: number): Promise<void> {
  const client = createClient({ socket: { path: redis.socket, tls: false } })
  await client.connect()
  try {
    while (Date.now() < until) {
      const done = (await client.sendCommand(['HGET', 'aw:{accept}:meta', 'done'])) as string | null
      if (Number(done) > 0) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  } finally {
    await client.close()
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

async function redisLeftovers(redis: RedisServer, expected: number): Promise<string[]> {
  const failures: string[] = []
  const client = createClient({ socket: { path: redis.socket, tls: false } })
  await client.connect()
  try {
    const send = (...args: string[]): Promise<unknown> => client.sendCommand(args)
    const meta = (await send('HGET', 'aw:{accept}:meta', 'done')) as string | null
    const bits = Number(await send('BITCOUNT', 'aw:{accept}:done'))
    if (Number(meta) !== expected || bits !== expected) {
      failures.push(`meta.done ${meta}, BITCOUNT ${bits}, expected ${expected}`)
    }
    const inLength = Number(await send('XLEN', 'aw:{accept}:in'))
    const outLength = Number(await send('XLEN', 'aw:{accept}:out'))
    const pending = Number(((await send('XPENDING', 'aw:{accept}:in', 'workers')) as [number])[0])
    if (inLength + outLength + pending > 0) {
      failures.push(`left in Redis: in ${inLength}, out ${outLength}, pending ${pending}`)
    }
    // Permits of killed workers expire after the permit lease (the timeout + 5 s).
    let permits: string[] = []
    for (let i = 0; i < 80; i++) {
      permits = (await send('KEYS', 'aw:rl:*')) as string[]
      if (permits.length === 0) break
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    if (permits.length > 0) failures.push(`permit keys left: ${permits.slice(0, 3).join(', ')}`)
  } finally {
    await client.close()
  }
  return failures
}

/** The most request starts in any 1-second window. */
function busiest(starts: readonly number[]): number {
  const sorted = [...starts].sort((a, b) => a - b)
  let best = 0
  let from = 0
  for (let to = 0; to < sorted.length; to++) {
    while (sorted[to]! - sorted[from]! >= 1000) from++
    best = Math.max(best, to - from + 1)
  }
  return best
}

interface Site {
  readonly host: string
  readonly port: number
  readonly hits: Map<number, number>
  readonly starts: number[]
  peak: number
  close(): Promise<void>
}

async function startSite(host: string, [least, most]: readonly [number, number]): Promise<Site> {
  let inFlight = 0
  const site = {
    host,
    port: 0,
    hits: new Map<number, number>(),
    starts: [] as number[],
    peak: 0,
  } as Site & {
    port: number
  }
  const server: Server = createServer((req, res) => {
    inFlight++
    site.peak = Math.max(site.peak, inFlight)
    site.starts.push(performance.now())
    let ended = false
    const end = (): void => {
      if (ended) return
      ended = true
      inFlight--
    }
    res.on('close', end)
    const line = Number(/^\/p\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0)
    site.hits.set(line, (site.hits.get(line) ?? 0) + 1)
    // Some latency, so a stopped worker is caught with requests in flight.
    setTimeout(
      () => {
        res.writeHead(line % 101 === 0 ? 404 : 200, { 'content-type': 'text/plain' })
        res.end(`page ${line}\n`)
      },
      least + Math.random() * (most - least),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  site.port = (server.address() as AddressInfo).port
  site.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return site
}
