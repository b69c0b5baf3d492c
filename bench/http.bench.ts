// HttpClient.fetchAll against raw undici, global fetch, got, aiohttp and curl: 20,000 URLs of
// 1 KiB each at concurrency 64, every body read, against a loopback server. Wall time per run,
// so not mitata: one run is a whole fan-out, not a micro-operation.
//
// Run it through `npm run bench:http` (scripts/bench-http.sh), which starts nginx (or a
// node:http fallback in another process) and passes its address in BENCH_HTTP_BASE. Without
// that variable this file skips itself, so `npm run bench` stays offline and server-free.
//
// Environment (set by scripts/bench-http.sh):
//   BENCH_HTTP_BASE         origin of the server, such as http://127.0.0.1:40123 (loopback only)
//   BENCH_HTTP_SERVER       how the server is described in the output
//   BENCH_HTTP_TMP          a directory for the aiohttp script and the curl config
//   BENCH_HTTP_PYTHON       a Python with aiohttp, or empty; BENCH_HTTP_PYTHON_SKIP says why
//   BENCH_HTTP_CURL         curl, or empty; BENCH_HTTP_CURL_SKIP says why
//   BENCH_HTTP_N            URLs per timed run (20000); BENCH_HTTP_WARMUP per warm-up (2000)
//   BENCH_HTTP_ROUNDS       timed runs per contender, interleaved (3)
//   BENCH_HTTP_CONCURRENCY  requests in flight (64)
//   BENCH_HTTP_ONLY         comma-separated contender ids to run (for profiling)
//   BENCH_HTTP_IMPORT       the asyncwith/http entry to measure (bench-http.sh sets the build's
//                           dist/http/index.js; unset, the source through tsx)

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import got from 'got'
import pMap from 'p-map'
import { Agent } from 'undici'

const BASE = process.env.BENCH_HTTP_BASE
if (BASE === undefined || BASE === '') {
  console.log('http.bench.ts: skipped, it needs a loopback server: run `npm run bench:http`')
  process.exit(0)
}
const base = new URL(BASE)
if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname) || base.protocol !== 'http:') {
  throw new RangeError(`Expected BENCH_HTTP_BASE to be a loopback http origin, got \`${BASE}\``)
}
const ORIGIN = base.origin

const intFromEnv = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Expected ${name} to be a positive integer, got \`${raw}\``)
  }
  return value
}
const N = intFromEnv('BENCH_HTTP_N', 20_000)
const WARMUP = intFromEnv('BENCH_HTTP_WARMUP', 2_000)
const ROUNDS = intFromEnv('BENCH_HTTP_ROUNDS', 3)
const CONCURRENCY = intFromEnv('BENCH_HTTP_CONCURRENCY', 64)
const SIZE = 1024
const ONLY = (process.env.BENCH_HTTP_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '')
const TMP = process.env.BENCH_HTTP_TMP || mkdtempSync(join(tmpdir(), 'asyncwith-bench-http-'))
const ownTmp = !process.env.BENCH_HTTP_TMP

// Inputs are built outside the timed functions.
const pathsFor = (n: number): string[] => Array.from({ length: n }, (_, i) => `/f/${i}`)
const urlsFor = (n: number): string[] => pathsFor(n).map((p) => ORIGIN + p)

function check(status: number, size: number, what: string): void {
  if (status !== 200 || size !== SIZE) {
    throw new Error(`${what}: expected status 200 and ${SIZE} bytes, got ${status}, ${size}`)
  }
}

function checkCount(count: number, n: number, what: string): void {
  if (count !== n) throw new Error(`${what}: expected ${n} responses, got ${count}`)
}

/** One contender: `run(n)` fetches /f/0../f/(n-1), checks every response, gives the seconds. */
interface Contender {
  readonly id: string
  readonly label: string
  /** Set when the contender cannot run here; the table says why. */
  skip?: string
  /** Runs in another process, so this process's CPU time says nothing about it. */
  external?: boolean
  run(n: number): Promise<number>
}

// CPU seconds this process spent in the last `timed` call: tells a busy client from a waiting one.
let lastCpu = 0

async function timed(body: () => Promise<void>): Promise<number> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  await body()
  const seconds = (performance.now() - start) / 1000
  const used = process.cpuUsage(cpu)
  lastCpu = (used.user + used.system) / 1e6
  return seconds
}

// (a) asyncwith/http. Loaded dynamically, so the peers still run while the layer does not build.
// BENCH_HTTP_IMPORT may name a built entry instead (such as dist/http/index.js), to measure the
// tsc output without tsx's per-closure `__name` helper.
type HttpModule = typeof import('asyncwith/http')
const HTTP_IMPORT = process.env.BENCH_HTTP_IMPORT || 'asyncwith/http'
let httpModule: HttpModule | undefined
let httpLoadError: string | undefined
try {
  httpModule =
    HTTP_IMPORT === 'asyncwith/http'
      ? await import('asyncwith/http')
      : ((await import(pathToFileURL(resolve(HTTP_IMPORT)).href)) as HttpModule)
} catch (error) {
  httpLoadError = error instanceof Error ? error.message.split('\n')[0] : String(error)
}

const fetchAllContender: Contender = {
  id: 'fetchAll',
  label: 'asyncwith `client.fetchAll(urls, { concurrency: 64 })`',
  ...(httpModule === undefined
    ? { skip: `pending: asyncwith/http did not load (${httpLoadError})` }
    : {}),
  async run(n) {
    const { HttpClient } = httpModule!
    const urls = urlsFor(n)
    const client = new HttpClient()
    try {
      return await timed(async () => {
        let count = 0
        for await (const outcome of client.fetchAll(urls, { concurrency: CONCURRENCY })) {
          if (!outcome.ok) throw new Error(`fetchAll: ${outcome.url}: ${outcome.error.message}`)
          check(outcome.status, outcome.size, 'fetchAll')
          count++
        }
        checkCount(count, n, 'fetchAll')
      })
    } finally {
      await client.close()
    }
  },
}

// (b) The raw limit: undici 7 Agent.request, one pool of 64 sockets, driven by p-map.
const undiciContender: Contender = {
  id: 'undici',
  label: 'undici 7 `Agent.request` + p-map (raw limit)',
  async run(n) {
    const paths = pathsFor(n)
    const agent = new Agent({ connections: CONCURRENCY })
    try {
      return await timed(async () => {
        let count = 0
        await pMap(
          paths,
          async (path) => {
            const { statusCode, body } = await agent.request({
              origin: ORIGIN,
              path,
              method: 'GET',
            })
            const text = await body.text()
            check(statusCode, Buffer.byteLength(text), 'undici')
            count++
          },
          { concurrency: CONCURRENCY },
        )
        checkCount(count, n, 'undici')
      })
    } finally {
      await agent.close()
    }
  },
}

// (c) Node's global fetch (its bundled undici, default dispatcher) driven by p-map.
const fetchContender: Contender = {
  id: 'fetch',
  label: `global \`fetch\` (Node ${process.versions.node}) + p-map`,
  async run(n) {
    const urls = urlsFor(n)
    return timed(async () => {
      let count = 0
      await pMap(
        urls,
        async (url) => {
          const response = await fetch(url)
          const text = await response.text()
          check(response.status, Buffer.byteLength(text), 'fetch')
          count++
        },
        { concurrency: CONCURRENCY },
      )
      checkCount(count, n, 'fetch')
    })
  },
}

// (d) got with a keep-alive node:http Agent of 64 sockets, driven by p-map.
const gotContender: Contender = {
  id: 'got',
  label: 'got 14 (keep-alive `http.Agent`, maxSockets 64) + p-map',
  async run(n) {
    const urls = urlsFor(n)
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    try {
      return await timed(async () => {
        let count = 0
        await pMap(
          urls,
          async (url) => {
            const response = await got(url, { agent: { http: agent } })
            check(response.statusCode, Buffer.byteLength(response.body), 'got')
            count++
          },
          { concurrency: CONCURRENCY },
        )
        checkCount(count, n, 'got')
      })
    } finally {
      agent.destroy()
    }
  },
}

// Runs a command to the end, collecting stdout; rejects on a non-zero exit.
function exec(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString())
      else {
        const message = Buffer.concat(err).toString().trim().split('\n').slice(-3).join(' | ')
        reject(new Error(`${command} exited with ${code}: ${message}`))
      }
    })
  })
}

// (e) aiohttp as the Python original did it: one ClientSession, asyncio.Semaphore(64), gather.
// Timed inside Python, so interpreter start-up and `import aiohttp` are not counted.
const AIOHTTP_SCRIPT = `import asyncio, sys, time
import aiohttp

async def main(base, n, concurrency, size):
    sem = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as session:
        async def fetch(url):
            async with sem:
                async with session.get(url) as resp:
                    body = await resp.text()
                    if resp.status != 200 or len(body.encode()) != size:
                        raise RuntimeError(f"{url}: {resp.status}, {len(body)} bytes")
                    return 1
        urls = [f"{base}/f/{i}" for i in range(n)]
        start = time.perf_counter()
        done = await asyncio.gather(*(fetch(u) for u in urls))
        elapsed = time.perf_counter() - start
    if sum(done) != n:
        raise RuntimeError(f"expected {n} responses, got {sum(done)}")
    print(f"{elapsed:.6f}")

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
`
const python = process.env.BENCH_HTTP_PYTHON ?? ''
const aiohttpScript = join(TMP, 'aiohttp_bench.py')
const aiohttpContender: Contender = {
  id: 'aiohttp',
  label: 'Python aiohttp (ClientSession + Semaphore(64) + gather)',
  external: true,
  ...(python === ''
    ? { skip: process.env.BENCH_HTTP_PYTHON_SKIP || 'skipped (python3-aiohttp not installed)' }
    : {}),
  async run(n) {
    const out = await exec(python, [aiohttpScript, ORIGIN, String(n), String(CONCURRENCY), '1024'])
    const seconds = Number(out.trim().split('\n').at(-1))
    if (!(seconds > 0)) throw new Error(`aiohttp: unexpected output \`${out.trim()}\``)
    return seconds
  },
}

// (f) curl --parallel over a config file of url/output pairs. Wall time of the process (curl
// starts in a few ms); `-w` prints status and size per transfer, checked after the clock stops.
const curl = process.env.BENCH_HTTP_CURL ?? ''
const curlConfig = (n: number): string => join(TMP, `curl-${n}.cfg`)
const curlContender: Contender = {
  id: 'curl',
  label: 'curl --parallel --parallel-max 64',
  external: true,
  ...(curl === '' ? { skip: process.env.BENCH_HTTP_CURL_SKIP || 'skipped (curl not found)' } : {}),
  async run(n) {
    let out = ''
    const seconds = await timed(async () => {
      out = await exec(curl, [
        '--silent',
        '--show-error',
        '--noproxy',
        '*',
        '--parallel',
        '--parallel-max',
        String(CONCURRENCY),
        '--write-out',
        '%{http_code} %{size_download}\\n',
        '--config',
        curlConfig(n),
      ])
    })
    const lines = out.split('\n').filter((line) => line !== '')
    for (const line of lines) {
      const [status, size] = line.split(' ')
      check(Number(status), Number(size), 'curl')
    }
    checkCount(lines.length, n, 'curl')
    return seconds
  },
}

const all = [
  fetchAllContender,
  undiciContender,
  fetchContender,
  gotContender,
  aiohttpContender,
  curlContender,
]
const contenders = ONLY.length === 0 ? all : all.filter((c) => ONLY.includes(c.id))

// Files the subprocess contenders read.
if (python !== '') writeFileSync(aiohttpScript, AIOHTTP_SCRIPT)
if (curl !== '') {
  for (const n of new Set([N, WARMUP])) {
    writeFileSync(
      curlConfig(n),
      pathsFor(n)
        .map((p) => `url = "${ORIGIN}${p}"\noutput = "/dev/null"\n`)
        .join(''),
    )
  }
}

const gc = (globalThis as { gc?: () => void }).gc
const times = new Map<string, number[]>()
const cpuShares = new Map<string, number[]>()
const failures = new Map<string, string>()

console.log(`server: ${process.env.BENCH_HTTP_SERVER ?? ORIGIN}`)
console.log(`asyncwith/http from: ${HTTP_IMPORT}`)
console.log(
  `client: Node ${process.versions.node}, ${N} URLs × ${SIZE} B, concurrency ${CONCURRENCY}, ` +
    `warm-up ${WARMUP} URLs, ${ROUNDS} interleaved rounds`,
)

async function attempt(contender: Contender, n: number): Promise<number | undefined> {
  if (contender.skip !== undefined || failures.has(contender.id)) return undefined
  gc?.()
  try {
    return await contender.run(n)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    failures.set(contender.id, message)
    console.log(`  ${contender.id}: FAILED: ${message}`)
    return undefined
  }
}

for (const contender of contenders) {
  if (contender.skip !== undefined) {
    console.log(`${contender.id}: ${contender.skip}`)
    continue
  }
  const seconds = await attempt(contender, WARMUP)
  if (seconds !== undefined) {
    console.log(`warm-up ${contender.id}: ${Math.round(WARMUP / seconds)} req/s`)
  }
}
for (let round = 1; round <= ROUNDS; round++) {
  for (const contender of contenders) {
    const seconds = await attempt(contender, N)
    if (seconds === undefined) continue
    times.set(contender.id, [...(times.get(contender.id) ?? []), seconds])
    const cpu = contender.external ? '' : `, client CPU ${Math.round((100 * lastCpu) / seconds)}%`
    if (!contender.external) {
      cpuShares.set(contender.id, [...(cpuShares.get(contender.id) ?? []), lastCpu / seconds])
    }
    console.log(
      `round ${round} ${contender.id}: ${seconds.toFixed(2)} s, ${Math.round(N / seconds)} req/s${cpu}`,
    )
  }
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const rate = (id: string, pick: (xs: readonly number[]) => number): number | undefined => {
  const xs = times.get(id)
  return xs === undefined || xs.length === 0 ? undefined : N / pick(xs)
}
const best = (xs: readonly number[]): number => Math.min(...xs)
const fmt = (x: number | undefined): string => (x === undefined ? '–' : Math.round(x).toString())

console.log(`\n### ${N} × 1 KiB over loopback, concurrency ${CONCURRENCY}, ${ROUNDS} runs each\n`)
console.log(`Server: ${process.env.BENCH_HTTP_SERVER ?? ORIGIN}\n`)
console.log(
  '| client | median req/s | best req/s | median s | client CPU | fetchAll ÷ it (median) |',
)
console.log('|---|---:|---:|---:|---:|---:|')
const ours = rate('fetchAll', median)
for (const contender of contenders) {
  const xs = times.get(contender.id)
  const status = failures.get(contender.id) ?? contender.skip
  if (xs === undefined || xs.length === 0) {
    console.log(`| ${contender.label} | ${status ?? '–'} | | | | |`)
    continue
  }
  const theirs = rate(contender.id, median)!
  const ratio = ours === undefined ? 'pending' : `${(ours / theirs).toFixed(2)}×`
  const shares = cpuShares.get(contender.id)
  const cpu = shares === undefined ? 'other process' : `${Math.round(100 * median(shares))}%`
  console.log(
    `| ${contender.label} | ${fmt(theirs)} | ${fmt(rate(contender.id, best))} | ` +
      `${median(xs).toFixed(2)} | ${cpu} | ${ratio} |`,
  )
}

console.log('\nTargets (median req/s):')
for (const [id, target] of [
  ['undici', 0.9],
  ['fetch', 2.5],
  ['aiohttp', 3],
] as const) {
  const theirs = rate(id, median)
  if (theirs === undefined) {
    console.log(`- fetchAll vs ${id}: no ${id} result`)
  } else if (ours === undefined) {
    console.log(`- fetchAll vs ${id} (target ≥ ${target}×): pending, fetchAll did not run`)
  } else {
    const ratio = ours / theirs
    const verdict = ratio >= target ? 'met' : 'MISSED'
    console.log(`- fetchAll vs ${id}: ${ratio.toFixed(2)}× (target ≥ ${target}×) ${verdict}`)
  }
}

if (ownTmp) rmSync(TMP, { recursive: true, force: true })
// A wrong status or size is a broken benchmark, not a slow contender.
if (failures.size > 0) process.exitCode = 1
