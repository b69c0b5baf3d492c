// HTTPS throughput: HttpClient.fetchAll against raw undici and curl --parallel, 20,000 URLs of
// 1 KiB at concurrency 64, against nginx with a self-signed certificate on loopback; with
// keep-alive, with a new connection per request (so the handshake shows), and over HTTP/2.
// Wall time per run; client CPU for every contender (this process's, or curl's from its
// rusage). The asyncwith CLI is timed as a whole process beside curl.
//
// Run it through `npm run bench:https` (scripts/bench-https.sh), which makes the certificate,
// starts nginx and passes its address. Without BENCH_HTTPS_BASE this file skips itself.
//
// Environment (set by scripts/bench-https.sh):
//   BENCH_HTTPS_BASE         origin, such as https://127.0.0.1:40123 (loopback only)
//   BENCH_HTTPS_CA           the server's self-signed certificate (PEM file)
//   BENCH_HTTPS_SERVER       how the server is described in the output
//   BENCH_HTTPS_TMP          a directory for curl's configs and the CLI's inputs
//   BENCH_HTTPS_CURL         curl, or empty; BENCH_HTTPS_CURL_SKIP says why
//   BENCH_HTTPS_CLI          the built CLI (dist/cli/main.js), or empty to skip it
//   BENCH_HTTPS_IMPORT       the asyncwith/http entry to measure (dist/http/index.js)
//   BENCH_HTTPS_N (20000), BENCH_HTTPS_WARMUP (2000), BENCH_HTTPS_ROUNDS (3),
//   BENCH_HTTPS_CONCURRENCY (64), BENCH_HTTPS_ONLY (comma-separated contender ids)

import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import pMap from 'p-map'
import { Agent } from 'undici'

const BASE = process.env.BENCH_HTTPS_BASE
if (BASE === undefined || BASE === '') {
  console.log('https.bench.ts: skipped, it needs a loopback server: run `npm run bench:https`')
  process.exit(0)
}
const base = new URL(BASE)
if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname) || base.protocol !== 'https:') {
  throw new RangeError(`Expected BENCH_HTTPS_BASE to be a loopback https origin, got \`${BASE}\``)
}
const ORIGIN = base.origin
const CA_FILE = process.env.BENCH_HTTPS_CA ?? ''
const CA = readFileSync(CA_FILE, 'utf8')
const TMP = process.env.BENCH_HTTPS_TMP ?? ''
if (TMP === '') throw new RangeError('Expected BENCH_HTTPS_TMP to name a directory')

const intFromEnv = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Expected ${name} to be a positive integer, got \`${raw}\``)
  }
  return value
}
const N = intFromEnv('BENCH_HTTPS_N', 20_000)
const WARMUP = intFromEnv('BENCH_HTTPS_WARMUP', 2_000)
const ROUNDS = intFromEnv('BENCH_HTTPS_ROUNDS', 3)
const CONCURRENCY = intFromEnv('BENCH_HTTPS_CONCURRENCY', 64)
const SIZE = 1024
const ONLY = (process.env.BENCH_HTTPS_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '')

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

type Mode = 'keep-alive' | 'new connection' | 'HTTP/2'

/** One contender: `run(n)` fetches /f/0../f/(n-1), checks every response, gives seconds and CPU seconds. */
interface Contender {
  readonly id: string
  readonly mode: Mode
  readonly label: string
  skip?: string
  run(n: number): Promise<{ seconds: number; cpu: number }>
}

async function timed(body: () => Promise<void>): Promise<{ seconds: number; cpu: number }> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  await body()
  const seconds = (performance.now() - start) / 1000
  const used = process.cpuUsage(cpu)
  return { seconds, cpu: (used.user + used.system) / 1e6 }
}

type HttpModule = typeof import('asyncwith/http')
const HTTP_IMPORT = process.env.BENCH_HTTPS_IMPORT || 'asyncwith/http'
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

function fetchAllContender(id: string, mode: Mode, options: Record<string, unknown>): Contender {
  return {
    id,
    mode,
    label: `asyncwith \`fetchAll\` ${JSON.stringify(options)}`,
    ...(httpModule === undefined
      ? { skip: `pending: asyncwith/http did not load (${httpLoadError})` }
      : {}),
    async run(n) {
      const { HttpClient } = httpModule!
      const urls = urlsFor(n)
      const client = new HttpClient({ tls: { ca: CA }, ...options })
      try {
        return await timed(async () => {
          let count = 0
          for await (const outcome of client.fetchAll(urls, { concurrency: CONCURRENCY })) {
            if (!outcome.ok) throw new Error(`fetchAll: ${outcome.url}: ${outcome.error.message}`)
            check(outcome.status, outcome.size, id)
            count++
          }
          checkCount(count, n, id)
        })
      } finally {
        await client.close()
      }
    },
  }
}

function undiciContender(
  id: string,
  mode: Mode,
  label: string,
  agentOptions: Agent.Options,
  reset = false,
): Contender {
  return {
    id,
    mode,
    label,
    async run(n) {
      const paths = pathsFor(n)
      const agent = new Agent({ connections: CONCURRENCY, ...agentOptions })
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
                reset,
              })
              const text = await body.text()
              check(statusCode, Buffer.byteLength(text), id)
              count++
            },
            { concurrency: CONCURRENCY },
          )
          checkCount(count, n, id)
        })
      } finally {
        await agent.close()
      }
    },
  }
}

/**
 * Runs a command through bash and its `times` builtin: wall seconds, and the CPU seconds of
 * the command (user + system of bash's children), so an external client's CPU is reported too.
 */
function execTimed(command: string[], stdout: string): Promise<{ seconds: number; cpu: number }> {
  return new Promise((resolvePromise, reject) => {
    const script = '"$@" >"$OUT" || exit $?; times >&2'
    const child = spawn('bash', ['-c', script, 'bash', ...command], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, OUT: stdout, NODE_EXTRA_CA_CERTS: CA_FILE },
    })
    const err: Buffer[] = []
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    const start = performance.now()
    child.on('error', reject)
    child.on('close', (code) => {
      const seconds = (performance.now() - start) / 1000
      const text = Buffer.concat(err).toString()
      if (code !== 0) {
        reject(
          new Error(
            `${command[0]} exited with ${code}: ${text.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        )
        return
      }
      // `times` prints the shell's user/system, then its children's: "0m1.234s 0m0.567s".
      const lines = text.trim().split('\n')
      const parse = (t: string) => {
        const m = /^(\d+)m([\d.]+)s$/.exec(t)
        return m === null ? Number.NaN : Number(m[1]) * 60 + Number(m[2])
      }
      const [user, system] = (lines.at(-1) ?? '').split(/\s+/).map(parse)
      resolvePromise({ seconds, cpu: (user ?? Number.NaN) + (system ?? Number.NaN) })
    })
  })
}

const curl = process.env.BENCH_HTTPS_CURL ?? ''
const curlConfig = (n: number): string => join(TMP, `curl-${n}.cfg`)

function curlContender(id: string, mode: Mode, flags: string[]): Contender {
  return {
    id,
    mode,
    label: `curl --parallel --parallel-max ${CONCURRENCY} --cacert ${flags.join(' ')}`,
    ...(curl === ''
      ? { skip: process.env.BENCH_HTTPS_CURL_SKIP || 'skipped (curl not found)' }
      : {}),
    async run(n) {
      const out = join(TMP, `${id}.out`)
      const result = await execTimed(
        [
          curl,
          '--silent',
          '--show-error',
          '--noproxy',
          '*',
          '--cacert',
          CA_FILE,
          ...flags,
          '--parallel',
          '--parallel-max',
          String(CONCURRENCY),
          '--write-out',
          '%{http_code} %{size_download} %{http_version}\\n',
          '--config',
          curlConfig(n),
        ],
        out,
      )
      const lines = readFileSync(out, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
      const version = mode === 'HTTP/2' ? '2' : '1.1'
      for (const line of lines) {
        const [status, size, got] = line.split(' ')
        check(Number(status), Number(size), id)
        if (got !== version) throw new Error(`${id}: expected HTTP/${version}, got HTTP/${got}`)
      }
      checkCount(lines.length, n, id)
      return result
    },
  }
}

const cli = process.env.BENCH_HTTPS_CLI ?? ''
const urlFile = (n: number): string => join(TMP, `urls-${n}.txt`)

function cliContender(id: string, mode: Mode, flags: string[]): Contender {
  return {
    id,
    mode,
    label: `asyncwith fetch --concurrency ${CONCURRENCY} --body none ${flags.join(' ')} (whole process)`,
    ...(cli === '' ? { skip: 'skipped (no built CLI)' } : {}),
    async run(n) {
      const out = join(TMP, `${id}.jsonl`)
      const result = await execTimed(
        [
          process.execPath,
          cli,
          'fetch',
          '-i',
          urlFile(n),
          '--concurrency',
          String(CONCURRENCY),
          '--body',
          'none',
          '--quiet',
          ...flags,
        ],
        out,
      )
      const lines = readFileSync(out, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
      for (const line of lines) {
        const record = JSON.parse(line) as { status?: number; bytes?: number }
        check(record.status ?? 0, record.bytes ?? 0, id)
      }
      checkCount(lines.length, n, id)
      return result
    },
  }
}

const all: Contender[] = [
  fetchAllContender('fetchAll', 'keep-alive', {}),
  undiciContender('undici', 'keep-alive', 'undici 7 `Agent.request` + p-map', {
    connect: { ca: CA },
  }),
  curlContender('curl', 'keep-alive', ['--http1.1']),
  cliContender('cli', 'keep-alive', []),
  fetchAllContender('fetchAll-new', 'new connection', { keepAlive: false }),
  undiciContender(
    'undici-new',
    'new connection',
    'undici 7 `Agent.request({ reset: true })` (TLS sessions resumed)',
    { connect: { ca: CA } },
    true,
  ),
  undiciContender(
    'undici-new-full',
    'new connection',
    'undici 7 `Agent.request({ reset: true })`, `maxCachedSessions: 0` (full handshakes)',
    { connect: { ca: CA, maxCachedSessions: 0 } },
    true,
  ),
  curlContender('curl-new', 'new connection', [
    '--http1.1',
    '--no-keepalive',
    '-H',
    'Connection: close',
  ]),
  fetchAllContender('fetchAll-h2', 'HTTP/2', { http2: true }),
  // pipelining raises undici's one-request-per-connection default, so streams share a
  // connection as they do in fetchAll's HTTP/2 pools.
  undiciContender(
    'undici-h2',
    'HTTP/2',
    `undici 7 \`Agent.request\`, \`allowH2: true, pipelining: ${CONCURRENCY}\``,
    { allowH2: true, pipelining: CONCURRENCY, connect: { ca: CA } },
  ),
  curlContender('curl-h2', 'HTTP/2', ['--http2']),
  cliContender('cli-h2', 'HTTP/2', ['--http2']),
]
const contenders = ONLY.length === 0 ? all : all.filter((c) => ONLY.includes(c.id))

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
for (const n of new Set([N, WARMUP])) writeFileSync(urlFile(n), `${urlsFor(n).join('\n')}\n`)

const gc = (globalThis as { gc?: () => void }).gc
const results = new Map<string, Array<{ seconds: number; cpu: number }>>()
const failures = new Map<string, string>()

console.log(`server: ${process.env.BENCH_HTTPS_SERVER ?? ORIGIN}`)
console.log(`asyncwith/http from: ${HTTP_IMPORT}`)
console.log(
  `client: Node ${process.versions.node}, ${N} URLs × ${SIZE} B over TLS, concurrency ` +
    `${CONCURRENCY}, warm-up ${WARMUP} URLs, ${ROUNDS} interleaved rounds`,
)

async function attempt(contender: Contender, n: number) {
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
  const result = await attempt(contender, WARMUP)
  if (result !== undefined) {
    console.log(`warm-up ${contender.id}: ${Math.round(WARMUP / result.seconds)} req/s`)
  }
}
for (let round = 1; round <= ROUNDS; round++) {
  for (const contender of contenders) {
    const result = await attempt(contender, N)
    if (result === undefined) continue
    results.set(contender.id, [...(results.get(contender.id) ?? []), result])
    console.log(
      `round ${round} ${contender.id}: ${result.seconds.toFixed(2)} s, ` +
        `${Math.round(N / result.seconds)} req/s, client CPU ${Math.round((100 * result.cpu) / result.seconds)}%`,
    )
  }
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const rateOf = (id: string): number | undefined => {
  const xs = results.get(id)
  return xs === undefined || xs.length === 0 ? undefined : N / median(xs.map((x) => x.seconds))
}
const secondsOf = (id: string): number | undefined => {
  const xs = results.get(id)
  return xs === undefined || xs.length === 0 ? undefined : median(xs.map((x) => x.seconds))
}

console.log(
  `\n### ${N} × 1 KiB over TLS on loopback, concurrency ${CONCURRENCY}, ${ROUNDS} runs each\n`,
)
console.log(`Server: ${process.env.BENCH_HTTPS_SERVER ?? ORIGIN}\n`)
console.log('| mode | client | median req/s | median s | client CPU (s per run, share) |')
console.log('|---|---|---:|---:|---:|')
for (const contender of contenders) {
  const xs = results.get(contender.id)
  const status = failures.get(contender.id) ?? contender.skip
  if (xs === undefined || xs.length === 0) {
    console.log(`| ${contender.mode} | ${contender.label} | ${status ?? '–'} | | |`)
    continue
  }
  const seconds = median(xs.map((x) => x.seconds))
  const cpu = median(xs.map((x) => x.cpu))
  console.log(
    `| ${contender.mode} | ${contender.label} | ${Math.round(N / seconds)} | ${seconds.toFixed(2)} | ` +
      `${cpu.toFixed(2)} s, ${Math.round((100 * cpu) / seconds)}% |`,
  )
}

console.log('\nTargets and comparisons (medians):')
const ratio = (ours: string, theirs: string, what: string, target?: string) => {
  const a = rateOf(ours)
  const b = rateOf(theirs)
  if (a === undefined || b === undefined) {
    console.log(`- ${what}: no result (${a === undefined ? ours : theirs} did not run)`)
    return
  }
  console.log(
    `- ${what}: ${(a / b).toFixed(2)}×${target === undefined ? '' : ` (target ${target})`}`,
  )
}
ratio('fetchAll', 'undici', 'fetchAll ÷ undici, keep-alive', '≥ 0.9×')
ratio('fetchAll-new', 'undici-new', 'fetchAll ÷ undici, new connection per request', '≥ 0.9×')
ratio('fetchAll-h2', 'undici-h2', 'fetchAll ÷ undici, HTTP/2', '≥ 0.9×')
ratio('undici-new', 'undici-new-full', 'TLS session resumption: resumed ÷ full handshakes (undici)')
ratio('fetchAll-h2', 'fetchAll', 'fetchAll HTTP/2 ÷ HTTP/1.1 keep-alive')
for (const [ours, theirs] of [
  ['cli', 'curl'],
  ['cli-h2', 'curl-h2'],
] as const) {
  const a = secondsOf(ours)
  const b = secondsOf(theirs)
  if (a === undefined || b === undefined) console.log(`- ${ours} wall ÷ ${theirs} wall: no result`)
  else console.log(`- ${ours} wall ÷ ${theirs} wall: ${(a / b).toFixed(2)}× (target ≤ 1.25×)`)
}

if (failures.size > 0) process.exitCode = 1
