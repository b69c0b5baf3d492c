// `asyncwith fetch --queue` keeps every option of plain `fetch` (design §5): each one is stored
// with the job once and applied by every worker, checked end to end with real processes, a
// real redis-server and local servers, against the records of plain `fetch` where they agree.
import { once } from 'node:events'
import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createSecureServer, type Http2SecureServer } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RedisFrontier } from 'asyncwith/frontier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HELP } from '../../src/cli/args.js'
import { MAX_JOB_DATA, ORDERED_BACKLOG } from '../../src/cli/queue-job.js'
import {
  type CliRecord,
  finished,
  parseRecords,
  runCli,
  spawnCli,
  waitFor,
} from '../_helpers/cli.js'
import { type EchoBody, startTestServer, type TestServer } from '../_helpers/http-server.js'
import { type ProxyServer, startProxyServer } from '../_helpers/proxy-server.js'
import { type RedisServer, startRedis } from './_redis-server.js'

const certPath = new URL('../_helpers/tls/cert.pem', import.meta.url).pathname
const keyPath = new URL('../_helpers/tls/key.pem', import.meta.url).pathname

/** No proxy variable of the machine running the tests leaks into a run. */
const noProxyEnv = {
  http_proxy: undefined,
  HTTP_PROXY: undefined,
  https_proxy: undefined,
  HTTPS_PROXY: undefined,
  all_proxy: undefined,
  ALL_PROXY: undefined,
  no_proxy: undefined,
  NO_PROXY: undefined,
}

let redis: RedisServer
let http: TestServer
let tls: Http2SecureServer
let tlsOrigin = ''
let dir: string
let jobs = 0

beforeAll(async () => {
  redis = await startRedis()
  http = await startTestServer()
  // HTTP/2 by ALPN when offered, HTTP/1.1 otherwise; the body says which one was used.
  tls = createSecureServer(
    { cert: readFileSync(certPath), key: readFileSync(keyPath), allowHTTP1: true },
    (req, res) => res.end(`HTTP/${req.httpVersion}`),
  )
  tls.listen(0, '127.0.0.1')
  await once(tls, 'listening')
  tlsOrigin = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`
  dir = mkdtempSync(join(tmpdir(), 'aw-queue-options-'))
})
afterAll(async () => {
  await http?.close()
  await new Promise((resolve) => tls?.close(resolve))
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
})

interface QueueRun {
  readonly code: number | null
  readonly stderr: string
  readonly records: CliRecord[]
  /** The records file's lines as written, in file order. */
  readonly lines: number[]
  readonly workers: (number | null)[]
}

/**
 * Runs `fetch -i FILE -o FILE --queue JOB …args` with `workers` workers, all as processes;
 * `beforeWorkers` runs once the job's options are stored, before any worker starts.
 */
async function queueRun(
  urls: readonly string[],
  args: readonly string[],
  options: {
    workers?: number
    env?: Record<string, string | undefined>
    beforeWorkers?: () => void
  } = {},
): Promise<QueueRun> {
  const job = `opts${++jobs}`
  const input = join(dir, `${job}.txt`)
  const output = join(dir, `${job}.jsonl`)
  writeFileSync(input, `${urls.join('\n')}\n`)
  const url = redis.url(job)
  const env = { ...noProxyEnv, ...options.env }
  const coordinator = spawnCli(
    ['fetch', '-i', input, '-o', output, '--queue', url, '-q', ...args],
    {
      env,
    },
  )
  const done = finished(coordinator, 60_000)
  if (options.beforeWorkers !== undefined) {
    await using frontier = await RedisFrontier.open(url)
    while ((await frontier.jobOptions()) === undefined) {
      if (coordinator.exitCode !== null) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    options.beforeWorkers()
  }
  const workers = Array.from({ length: options.workers ?? 1 }, () =>
    finished(
      spawnCli(['worker', url, '--concurrency', '4', '--lease', '2s', '-q'], { env }),
      60_000,
    ),
  )
  const [result, ...workerResults] = await Promise.all([done, ...workers])
  const text = readFileSync(output, 'utf8')
  const records = parseRecords(text)
  return {
    code: result.code,
    stderr: result.stderr,
    records,
    lines: records.map((record) => record.line),
    workers: workerResults.map((r) => r.code),
  }
}

/** Plain `fetch` of the same URLs, as records by line. */
async function plainRun(
  urls: readonly string[],
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; records: CliRecord[] }> {
  const { code, stdout } = await runCli(['fetch', '-q', ...args, ...urls], {
    env: { ...noProxyEnv, ...env },
  })
  return { code, records: parseRecords(stdout).sort((a, b) => a.line - b.line) }
}

/** A record without what differs from run to run. */
function stable(record: CliRecord): Omit<CliRecord, 'timings'> {
  const { timings: _, ...rest } = record
  return rest
}

const byLine = (records: readonly CliRecord[]): CliRecord[] =>
  [...records].sort((a, b) => a.line - b.line)

describe('fetch --queue keeps the request options of plain fetch', { timeout: 60_000 }, () => {
  it('--help tells the limits a job applies', () => {
    expect(HELP).toContain(`at most ${MAX_JOB_DATA / 1024 ** 2}M`)
    expect(HELP).toContain(`workers pause while ${ORDERED_BACKLOG} wait`)
  })

  it('-d with -H: every worker sends the body once stored with the job, as a POST, as plain fetch', async () => {
    const urls = [1, 2, 3, 4].map((i) => http.url(`/echo?i=${i}`))
    const args = ['-d', '{"q":"é"}', '-H', 'Content-Type: application/json']
    const [queued, plain] = await Promise.all([
      queueRun(urls, args, { workers: 2 }),
      plainRun(urls, args),
    ])
    expect([queued.code, plain.code, ...queued.workers]).toEqual([0, 0, 0, 0])
    const echoes = byLine(queued.records).map((r) => JSON.parse(r.body!) as EchoBody)
    expect(echoes.map((e) => [e.method, e.body, e.headers['content-type']])).toEqual(
      urls.map(() => ['POST', '{"q":"é"}', 'application/json']),
    )
    expect(byLine(queued.records).map(stable)).toEqual(plain.records.map(stable))
  })

  it('--data-file is read once by the coordinator: its bytes reach every worker even after the file is gone', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13, 0x80])
    const file = join(dir, 'data.bin')
    writeFileSync(file, bytes)
    const urls = [1, 2, 3].map((i) => http.url(`/echo?f=${i}`))
    const plain = await plainRun(urls, ['--data-file', file, '-X', 'PUT'])
    const queued = await queueRun(urls, ['--data-file', file, '-X', 'PUT'], {
      beforeWorkers: () => rmSync(file),
    })
    expect([queued.code, plain.code, ...queued.workers]).toEqual([0, 0, 0])
    const echoes = byLine(queued.records).map((r) => JSON.parse(r.body!) as EchoBody)
    expect(echoes.map((e) => [e.method, e.bodyLength, e.body])).toEqual(
      urls.map(() => ['PUT', bytes.length, bytes.toString('utf8')]),
    )
    expect(byLine(queued.records).map(stable)).toEqual(plain.records.map(stable))
  })

  it('--body base64, --max-body, -X and --retries: the same records as plain fetch', async () => {
    const urls = [http.url('/bytes/100'), http.url('/bytes/300'), http.url('/status/503')]
    const args = ['--body', 'base64', '--max-body', '200', '-X', 'GET', '--retries', '0']
    const [queued, plain] = await Promise.all([queueRun(urls, args), plainRun(urls, args)])
    expect([queued.code, plain.code]).toEqual([1, 1])
    expect(byLine(queued.records).map(stable)).toEqual(plain.records.map(stable))
    expect(
      byLine(queued.records).map((r) => [r.status, r.error?.code, r.body_base64?.length]),
    ).toEqual([
      [200, undefined, 136], // 100 bytes, in base64
      [200, 'ASYNCWITH_BODY_TOO_LARGE', undefined],
      [503, undefined, 16], // not retried
    ])
  })

  it('refuses a body over the limit with exit 2, naming the limit, before touching Redis', async () => {
    const file = join(dir, 'big.bin')
    writeFileSync(file, Buffer.alloc(1024 * 1024 + 1))
    const url = redis.url('too-big')
    const run = await runCli(['fetch', '--data-file', file, '--queue', url, http.url('/echo')])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(
      `--data-file '${file}' is 1048577 bytes: a --queue job carries at most 1048576 bytes (1M) of request body`,
    )
    expect((await runCli(['status', url])).code).toBe(2) // no such job
  })

  it('refuses --concurrency, which each worker chooses, and a -d whose Content-Length disagrees', async () => {
    const runs = await Promise.all([
      runCli(['fetch', '--concurrency', '8', '--queue', redis.url('c'), http.url('/')]),
      runCli([
        'fetch',
        '-d',
        'abc',
        '-H',
        'Content-Length: 5',
        '--queue',
        redis.url('c'),
        http.url('/'),
      ]),
    ])
    expect(runs.map((run) => run.code)).toEqual([2, 2])
    expect(runs[0]!.stderr).toContain(
      '--concurrency belongs to each worker with --queue: give it to `asyncwith worker URL --concurrency N`',
    )
    expect(runs[1]!.stderr).toContain('these requests cannot be sent')
  })
})

describe('fetch --queue keeps the TLS and network options of plain fetch', {
  timeout: 60_000,
}, () => {
  it('--cacert: the coordinator stores the PEM text, so a worker without the file trusts it; --http2 is offered', async () => {
    const copy = join(dir, 'ca-copy.pem')
    copyFileSync(certPath, copy)
    const urls = [`${tlsOrigin}/a`, `${tlsOrigin}/b`]
    const [h2, h1, untrusted] = await Promise.all([
      queueRun(urls, ['--cacert', copy, '--http2'], { beforeWorkers: () => rmSync(copy) }),
      queueRun(urls, ['--cacert', certPath]),
      queueRun(urls, ['--retries', '0']),
    ])
    expect([h2.code, h1.code, untrusted.code]).toEqual([0, 0, 1])
    expect(h2.records.map((r) => r.body)).toEqual(['HTTP/2.0', 'HTTP/2.0'])
    expect(h1.records.map((r) => r.body)).toEqual(['HTTP/1.1', 'HTTP/1.1'])
    expect(untrusted.records.map((r) => r.error?.code)).toEqual([
      'ASYNCWITH_CONNECTION',
      'ASYNCWITH_CONNECTION',
    ])
    const plain = await plainRun(urls, ['--cacert', certPath, '--http2'])
    expect(byLine(h2.records).map(stable)).toEqual(plain.records.map(stable))
  })

  it('--insecure: every worker skips verification', async () => {
    const queued = await queueRun([`${tlsOrigin}/i`], ['--insecure'])
    expect([queued.code, queued.records[0]?.body]).toEqual([0, 'HTTP/1.1'])
  })

  it("--proxy is the job's; without it each worker reads its own proxy environment, as curl does", async () => {
    const proxy: ProxyServer = await startProxyServer()
    try {
      const flagged = [http.url('/text?via=flag')]
      const fromEnv = [http.url('/text?via=env')]
      const bypassed = [http.url('/text?via=noproxy')]
      const runs = await Promise.all([
        queueRun(flagged, ['--proxy', proxy.url]),
        queueRun(fromEnv, [], { env: { http_proxy: proxy.url } }),
        queueRun(bypassed, ['--noproxy', '127.0.0.1'], { env: { http_proxy: proxy.url } }),
      ])
      expect(runs.map((run) => run.code)).toEqual([0, 0, 0])
      expect(proxy.seen.map((seen) => seen.target).sort()).toEqual([...flagged, ...fromEnv].sort())
    } finally {
      await proxy.close()
    }
  })
})

describe('fetch --queue --body-dir', { timeout: 60_000 }, () => {
  it('workers write the bodies under DIR (made absolute) and the records hold their paths, as plain fetch', async () => {
    const queuedDir = join(dir, 'bodies-queued')
    const plainDir = join(dir, 'bodies-plain')
    const urls = [http.url('/text'), http.url('/bytes/300'), http.url('/status/404'), 'not a url']
    const [queued, plain] = await Promise.all([
      queueRun(urls, ['--body-dir', queuedDir], { workers: 2 }),
      plainRun(urls, ['--body-dir', plainDir]),
    ])
    expect([queued.code, plain.code]).toEqual([1, 1])
    const records = byLine(queued.records)
    expect(records.map((r) => r.body_file)).toEqual(
      plain.records.map((r) => r.body_file?.replace(plainDir, queuedDir)),
    )
    expect(records.map((r) => ({ ...stable(r), body_file: undefined }))).toEqual(
      plain.records.map((r) => ({ ...stable(r), body_file: undefined })),
    )
    for (const record of records.filter((r) => r.body_file !== undefined)) {
      expect(readFileSync(record.body_file!)).toEqual(
        readFileSync(record.body_file!.replace(queuedDir, plainDir)),
      )
    }
    // Nothing partial left behind: one file per ok record (404s keep their body too).
    expect(readdirSync(queuedDir).sort()).toEqual(readdirSync(plainDir).sort())
  })

  it('a worker that cannot write to DIR exits 2 before taking a line', async () => {
    const file = join(dir, 'not-a-dir')
    writeFileSync(file, '')
    const url = redis.url('bodydir-bad')
    const coordinator = spawnCli([
      'fetch',
      http.url('/text'),
      '--queue',
      url,
      '--body-dir',
      join(file, 'sub'),
      '-q',
    ])
    const done = finished(coordinator, 30_000)
    const worker = await runCli(['worker', url, '-q'])
    expect(worker.code).toBe(2)
    expect(worker.stderr).toContain(`cannot write to --body-dir '${join(file, 'sub')}'`)
    const status = await runCli(['status', url])
    expect(status.stdout).toContain('0/1 not done')
    coordinator.kill('SIGINT')
    expect((await done).code).toBe(130)
  })
})

describe('fetch --queue --ordered', { timeout: 60_000 }, () => {
  it('writes records in input order behind slow lines, as plain fetch --ordered', async () => {
    const urls: string[] = []
    for (let i = 1; i <= 30; i++) {
      if (i === 4) urls.push('')
      else if (i === 5) urls.push('not a url')
      else if (i % 10 === 1) urls.push(http.url(`/slow?ms=400&i=${i}`))
      else urls.push(http.url(`/status/200?i=${i}`))
    }
    const [queued, plain] = await Promise.all([
      queueRun(urls, ['--ordered'], { workers: 2 }),
      runCli(['fetch', '-q', '--ordered', '--concurrency', '4', ...urls.filter((u) => u !== '')]),
    ])
    expect([queued.code, ...queued.workers]).toEqual([1, 0, 0])
    const expected = Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => n !== 4)
    expect(queued.lines).toEqual(expected)
    // Plain fetch numbers URL arguments by position: the blank line is not among them.
    expect(parseRecords(plain.stdout).map((r) => r.input)).toEqual(
      queued.records.map((r) => r.input),
    )
  })

  it('--resume after a kill -9 of the coordinator holding records for a slow line: each line once, in order', async () => {
    const job = 'ordered-resume'
    const input = join(dir, `${job}.txt`)
    const output = join(dir, `${job}.jsonl`)
    const urls = Array.from({ length: 40 }, (_, i) =>
      i === 19 ? http.url('/slow?ms=4000&slow') : http.url(`/status/200?r=${i + 1}`),
    )
    writeFileSync(input, `${urls.join('\n')}\n`)
    const url = redis.url(job)
    const args = ['fetch', '-i', input, '-o', output, '--queue', url, '--ordered', '-q']
    const first = spawnCli(args)
    const firstDone = finished(first, 30_000)
    const worker = finished(spawnCli(['worker', url, '--concurrency', '8', '-q']), 60_000)
    // Lines 1-19 written; 21-40 held in memory (collected, not acked) behind line 20.
    await waitFor(() => {
      try {
        return parseRecords(readFileSync(output, 'utf8')).length === 19
      } catch {
        return false // not created yet
      }
    }, 30_000)
    first.kill('SIGKILL')
    await firstDone
    appendFileSync(output, '{"line":20,"inp') // a torn last line, as a crash mid-write leaves
    const second = await runCli([...args, '--resume'], { timeout: 60_000 })
    expect([second.code, (await worker).code]).toEqual([0, 0])
    const lines = parseRecords(readFileSync(output, 'utf8')).map((r) => r.line)
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
  })
})
