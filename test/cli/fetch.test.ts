import { Buffer } from 'node:buffer'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliRecord, parseRecords, runCli } from '../_helpers/cli.js'
import {
  type EchoBody,
  expectedBytes,
  flakyKey,
  SAMPLE_TEXT,
  startTestServer,
  type TestServer,
} from '../_helpers/http-server.js'

let server: TestServer
const dir = mkdtempSync(join(tmpdir(), 'asyncwith-cli-fetch-'))
/** Arrival times of `/tick/:n` requests, for --rate. */
const ticks: number[] = []

beforeAll(async () => {
  server = await startTestServer()
  server.route('/d/:n', (_req, res, { params, url }) => {
    const ms = Number(url.searchParams.get('ms') ?? 0)
    setTimeout(() => res.end(`page ${params.n}`), ms)
  })
  server.route('/tick/:n', (_req, res) => {
    ticks.push(Date.now())
    res.end('tick')
  })
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48])

const byLine = (records: CliRecord[]) => [...records].sort((a, b) => a.line - b.line)

describe('asyncwith fetch', () => {
  it('writes one record per URL with the documented fields in order, and exits 0 when all are ok', async () => {
    const { code, stdout, stderr } = await runCli([
      'fetch',
      server.url('/text'),
      server.url('/redirect/2'),
    ])
    expect(code).toBe(0)
    const [text, redirected] = byLine(parseRecords(stdout))
    expect(Object.keys(redirected!)).toEqual([
      'line',
      'input',
      'url',
      'final_url',
      'ok',
      'status',
      'headers',
      'bytes',
      'attempts',
      'timings',
      'body',
    ])
    expect(redirected).toMatchObject({
      line: 2,
      input: server.url('/redirect/2'),
      url: server.url('/redirect/2'),
      final_url: server.url('/redirect/0'),
      ok: true,
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': '4' },
      bytes: 4,
      attempts: 1,
      body: 'done',
    })
    const timings = redirected!.timings!
    expect(timings.start).toBeGreaterThan(Date.now() - 60_000)
    expect(timings.ttfb).toBeGreaterThanOrEqual(0)
    expect(timings.total).toBeGreaterThanOrEqual(timings.ttfb!)
    expect(text).toMatchObject({ line: 1, ok: true, status: 200 })
    expect(text!.body).toContain('é')
    expect(stderr).toMatch(/^2 URLs in .*: 2 2xx\n$/)
  })

  it('reads a file, skips blank lines and comments, and records bad lines by number with exit 1', async () => {
    const path = join(dir, 'mixed.txt')
    writeFileSync(
      path,
      Buffer.concat([
        Buffer.from(
          [
            '# a list of URLs',
            '',
            server.url('/d/1'),
            'not a url',
            'ftp://example.com/file',
            `   ${server.url('/status/404')}   `,
            '',
            '', // the join ends line 7 (blank)
          ].join('\n'),
        ),
        Buffer.from([0x62, 0x69, 0x6e, 0x00, 0x01, 0x0a]), // line 8: NUL bytes
        Buffer.from([0xc3, 0x28, 0x0a]), // line 9: invalid UTF-8
        Buffer.from(`${server.url('/d/2')}\r\n`), // line 10, CRLF
      ]),
    )
    const { code, stdout } = await runCli(['fetch', '-q', '--body', 'none', '-i', path])
    expect(code).toBe(1)
    const records = byLine(parseRecords(stdout))
    expect(records.map((r) => [r.line, r.ok, r.status ?? r.error?.code])).toEqual([
      [3, true, 200],
      [4, false, 'ASYNCWITH_INVALID_URL'],
      [5, false, 'ASYNCWITH_INVALID_URL'],
      [6, false, 404],
      [8, false, 'ASYNCWITH_BINARY_INPUT'],
      [9, false, 'ASYNCWITH_BINARY_INPUT'],
      [10, true, 200],
    ])
    expect(records[1]).toEqual({
      line: 4,
      input: 'not a url',
      ok: false,
      bytes: 0,
      attempts: 0,
      timings: expect.any(Object),
      error: {
        code: 'ASYNCWITH_INVALID_URL',
        message: 'Cannot GET not a url: expected an absolute http: or https: URL',
      },
    })
    expect(records[2]!.error!.message).toContain('the scheme ftp: is not supported')
    expect(records[3]!.input).toBe(server.url('/status/404'))
    expect(records[4]!.error!.message).toBe(
      'Line 8 holds NUL bytes: the input looks binary, not a list of URLs',
    )
    expect(records[5]!.error!.message).toBe('Line 9 is not valid UTF-8 text')
  })

  it('reads URLs from stdin with -i -', async () => {
    const stdin = `${server.url('/d/1')}\n# skip\n${server.url('/d/2')}\n`
    const { code, stdout } = await runCli(['fetch', '-q', '-i', '-'], { stdin })
    expect(code).toBe(0)
    expect(byLine(parseRecords(stdout)).map((r) => [r.line, r.body])).toEqual([
      [1, 'page 1'],
      [3, 'page 2'],
    ])
  })

  it('turns a binary file given as input into error records, never a crash', async () => {
    const path = join(dir, 'binary.bin')
    let seed = 42
    const bytes = Buffer.alloc(20_000, 0).map(() => {
      seed = (seed * 1103515245 + 12345) >>> 0
      return seed >>> 24
    })
    writeFileSync(path, bytes)
    const { code, stdout, stderr } = await runCli(['fetch', '-q', '-i', path])
    expect(code).toBe(1)
    expect(stderr).toBe('')
    const records = parseRecords(stdout)
    expect(records.length).toBeGreaterThan(10)
    for (const record of records) {
      expect(record.ok).toBe(false)
      expect(['ASYNCWITH_BINARY_INPUT', 'ASYNCWITH_INVALID_URL']).toContain(record.error!.code)
    }
    expect(records.some((r) => r.error!.code === 'ASYNCWITH_BINARY_INPUT')).toBe(true)
  })

  it('keeps input order with --ordered, and completion order without it', async () => {
    const urls = [300, 200, 100, 0].map((ms, i) => server.url(`/d/${i + 1}?ms=${ms}`))
    const [ordered, unordered] = await Promise.all([
      runCli(['fetch', '-q', '--ordered', '--concurrency', '4', ...urls]),
      runCli(['fetch', '-q', '--concurrency', '4', ...urls]),
    ])
    expect(parseRecords(ordered.stdout).map((r) => r.line)).toEqual([1, 2, 3, 4])
    expect(parseRecords(unordered.stdout).map((r) => r.line)).toEqual([4, 3, 2, 1])
  })

  it('sends -H headers and the -X method', async () => {
    const { code, stdout } = await runCli([
      'fetch',
      '-q',
      '-X',
      'put',
      '-H',
      'X-Test: yes',
      '-H',
      'User-Agent: tester/1',
      server.url('/echo'),
    ])
    expect(code).toBe(0)
    const echo = JSON.parse(parseRecords(stdout)[0]!.body!) as EchoBody
    expect(echo.method).toBe('PUT')
    expect(echo.headers['x-test']).toBe('yes')
    expect(echo.headers['user-agent']).toBe('tester/1')
  })

  it('writes bodies as base64 with --body base64 and leaves them out with --body none', async () => {
    const url = server.url('/bytes/300')
    const [base64, none] = await Promise.all([
      runCli(['fetch', '-q', '--body', 'base64', url]),
      runCli(['fetch', '-q', '--body', 'none', url]),
    ])
    const [a] = parseRecords(base64.stdout)
    expect(Buffer.from(a!.body_base64!, 'base64')).toEqual(expectedBytes(300))
    expect(a!.body).toBeUndefined()
    const [b] = parseRecords(none.stdout)
    expect(b).toMatchObject({ ok: true, bytes: 300 })
    expect(Object.keys(b!).filter((key) => key.startsWith('body'))).toEqual([])
  })

  it('never mangles a body with --body text: a PNG or bytes invalid in their charset go to body_base64', async () => {
    server.route('/image.png', (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' })
      res.end(PNG)
    })
    server.route('/broken-utf8', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(Buffer.from([0x6f, 0x6b, 0xff, 0xfe]))
    })
    const { code, stdout } = await runCli([
      'fetch',
      '-q',
      '--ordered',
      server.url('/image.png'),
      server.url('/broken-utf8'),
      server.url('/text?charset=iso-8859-1'),
    ])
    expect(code).toBe(0)
    const [png, broken, latin1] = parseRecords(stdout)
    expect(png!.body).toBeUndefined()
    expect(Buffer.from(png!.body_base64!, 'base64')).toEqual(PNG)
    expect(broken!.body).toBeUndefined()
    expect(Buffer.from(broken!.body_base64!, 'base64')).toEqual(
      Buffer.from([0x6f, 0x6b, 0xff, 0xfe]),
    )
    expect(latin1!.body).toBe(SAMPLE_TEXT)
    expect(latin1!.body_base64).toBeUndefined()
  })

  it('writes bodies under --body-dir with names no URL can steer outside it', async () => {
    const outer = join(dir, 'outer')
    const bodies = join(outer, 'bodies')
    const urls = [
      server.url('/bytes/100'),
      `${server.origin}/../../../../escape.txt`,
      `${server.origin}/%2e%2e/%2e%2e/escape2`,
      `${server.origin}/a/..%2f..%2f..%2fescape3`,
      `${server.origin}/bytes/5?name=../../../escape4`,
    ]
    const { stdout } = await runCli(['fetch', '-q', '--body-dir', bodies, ...urls])
    const records = byLine(parseRecords(stdout))
    expect(records).toHaveLength(5)
    expect(readdirSync(outer)).toEqual(['bodies'])
    const names = readdirSync(bodies).sort()
    expect(names).toHaveLength(5)
    for (const name of names) expect(name).toMatch(/^\d{6}-[0-9a-f]{12}\.body$/)
    for (const record of records) {
      expect(record.body_file).toBe(join(bodies, names[record.line - 1]!))
      expect(existsSync(record.body_file!)).toBe(true)
      expect(record.body).toBeUndefined()
    }
    expect(readFileSync(records[0]!.body_file!)).toEqual(expectedBytes(100))
    expect(records[0]!.bytes).toBe(100)
    expect(records[1]!.status).toBe(404)
  })

  it('fails a body over --max-body and a fetch over --timeout with their codes', async () => {
    const { code, stdout } = await runCli([
      'fetch',
      '-q',
      '--body',
      'none',
      '--max-body',
      '1K',
      '--timeout',
      '300ms',
      '--retries',
      '0',
      server.url('/bytes/2000'),
      server.url('/bytes/1024'),
      server.url('/slow?ms=5000'),
    ])
    expect(code).toBe(1)
    const records = byLine(parseRecords(stdout))
    expect(records.map((r) => [r.line, r.ok, r.error?.code])).toEqual([
      [1, false, 'ASYNCWITH_BODY_TOO_LARGE'],
      [2, true, undefined],
      [3, false, 'ASYNCWITH_TIMEOUT'],
    ])
    // The body was too large, but its status and headers had arrived: the record keeps them.
    expect(records[0]).toMatchObject({
      status: 200,
      headers: { 'content-type': 'application/octet-stream', 'content-length': '2000' },
    })
    expect(records[2]!.status).toBeUndefined()
    expect(records[2]!.timings!.total).toBeLessThan(2000)
  })

  it('times the final try apart from the waiting before it: wait, then ttfb', async () => {
    // Retry-After: 1 makes the client wait at least a second before its second try.
    const { stdout } = await runCli([
      'fetch',
      '-q',
      '--retries',
      '1',
      server.url('/status/503?retry-after=1'),
    ])
    const [record] = parseRecords(stdout)
    expect(record).toMatchObject({ status: 503, attempts: 2 })
    const { start, wait, ttfb, total } = record!.timings!
    expect(Object.keys(record!.timings!)).toEqual(['start', 'wait', 'ttfb', 'total'])
    expect(start).toBeGreaterThan(0)
    expect(wait).toBeGreaterThanOrEqual(1000)
    // ttfb is the final try's alone: it fits in what is left after the wait.
    expect(ttfb).not.toBeNull()
    expect(wait + ttfb!).toBeLessThanOrEqual(total)
  })

  it('retries failed statuses with --retries', async () => {
    const enough = server.url(`/flaky/2?key=${flakyKey()}`)
    const tooFew = server.url(`/flaky/2?key=${flakyKey()}`)
    const [a, b] = await Promise.all([
      runCli(['fetch', '-q', '--retries', '2', enough]),
      runCli(['fetch', '-q', '--retries', '1', tooFew]),
    ])
    expect(a.code).toBe(0)
    expect(parseRecords(a.stdout)[0]).toMatchObject({
      ok: true,
      status: 200,
      attempts: 3,
      body: 'ok',
    })
    expect(b.code).toBe(1)
    expect(parseRecords(b.stdout)[0]).toMatchObject({ ok: false, status: 500, attempts: 2 })
  })

  it('spaces requests to one host with --rate', async () => {
    ticks.length = 0
    const urls = Array.from({ length: 13 }, (_, i) => server.url(`/tick/${i}`))
    const { code } = await runCli(['fetch', '-q', '--rate', '10/s', '--concurrency', '13', ...urls])
    expect(code).toBe(0)
    expect(ticks).toHaveLength(13)
    const first = ticks[0]!
    const inFirstSecond = ticks.filter((t) => t - first < 1000).length
    expect(inFirstSecond).toBeGreaterThanOrEqual(9)
    expect(inFirstSecond).toBeLessThanOrEqual(11)
  })
})
