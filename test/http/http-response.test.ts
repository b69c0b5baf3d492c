import type { ServerResponse } from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import * as zlib from 'node:zlib'
import { Agent, type Dispatcher } from 'undici'
import { afterAll, afterEach, beforeEach, describe, expect, it, type Mock, vi } from 'vitest'
import type { ResponseBody } from '../../src/http/_body.js'
import { Exchange, type ExchangeOwner } from '../../src/http/_exchange.js'
import type { DecompressSettings } from '../../src/http/_response-init.js'
import {
  BodySizeError,
  ConnectionError,
  DecompressionError,
  type HttpHeaders,
  type HttpPhase,
} from '../../src/http/errors.js'
import { HttpResponse } from '../../src/http/http-response.js'
import {
  COMPRESSED_REPEAT,
  encodings,
  expectedBytes,
  SAMPLE_JSON,
  SAMPLE_TEXT,
  startTestServer,
  type TestServer,
} from '../_helpers/http-server.js'

// Each test builds an HttpResponse straight from a real undici response of the misbehaving
// test server, as the client does, with spies for `onDone` and `classify`. Every test reads
// or releases every body it opens: afterEach fails when closing the agent would hang.

const MiB = 1024 * 1024
const COMPRESSED_TEXT = SAMPLE_TEXT.repeat(COMPRESSED_REPEAT)
const hasZstd =
  typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function'

type Classify = (error: unknown, phase: HttpPhase) => unknown

interface OpenOptions {
  readonly method?: 'GET' | 'HEAD'
  readonly agent?: Agent
  readonly maxBodySize?: number
  readonly decompress?: Partial<DecompressSettings>
  readonly signal?: AbortSignal
  readonly classify?: Classify
}

interface Opened {
  readonly response: HttpResponse
  readonly body: ResponseBody
  readonly onDone: Mock<() => void>
  readonly classify: Mock<Classify>
}

let server: TestServer
let agent: Agent
const agents: Agent[] = []

function newAgent(options: Agent.Options = {}): Agent {
  const created = new Agent(options)
  agents.push(created)
  return created
}

beforeEach(async () => {
  server = await startTestServer()
  agent = newAgent()
})

afterEach(async () => {
  const open = agents.splice(0)
  try {
    for (const each of open) await closeWithin(each, 3000)
  } finally {
    await server.close()
  }
})

afterAll(async () => {
  const tcp = () =>
    process
      .getActiveResourcesInfo()
      .filter((name) => name === 'TCPSocketWrap' || name === 'TCPServerWrap').length
  for (let turn = 0; turn < 50 && tcp() > 0; turn++) await delay(10)
  expect(tcp()).toBe(0)
})

async function closeWithin(target: Agent, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms)
  })
  const outcome = await Promise.race([target.close().then(() => 'closed' as const), hung])
  clearTimeout(timer)
  if (outcome === 'hung') {
    await target.destroy()
    throw new Error('agent.close() hung: a response body was left unread')
  }
}

async function open(path: string, options: OpenOptions = {}): Promise<Opened> {
  const method = options.method ?? 'GET'
  const res = await exchange(options.agent ?? agent, path, method)
  const onDone = vi.fn<() => void>()
  const classify = vi.fn<Classify>(options.classify ?? ((error) => error))
  const response = new HttpResponse({
    method,
    url: server.url(path),
    status: res.statusCode,
    headers: res.headers,
    body: res.body,
    redirects: [],
    attempts: 1,
    maxBodySize: options.maxBodySize ?? Number.POSITIVE_INFINITY,
    decompress: { enabled: true, maxRatio: 100, ratioFloor: MiB, ...options.decompress },
    signal: options.signal ?? new AbortController().signal,
    classify,
    onDone,
  })
  return { response, body: res.body, onDone, classify }
}

/** One exchange through `target` with the client's own handler, as the client makes them. */
function exchange(target: Agent, path: string, method: string) {
  return new Promise<{ statusCode: number; headers: HttpHeaders; body: ResponseBody }>(
    (resolve, reject) => {
      const owner: ExchangeOwner = {
        onHeaders: (done) => {
          resolve({
            statusCode: done.status,
            headers: done.headers ?? {},
            body: done,
          })
        },
        onFailed: (_done, error) => reject(error),
        onSettled: () => {},
      }
      const hop = { method, url: new URL(server.url(path)), headers: {}, body: undefined }
      const handler = new Exchange(owner, hop, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)
      target.dispatch(
        { origin: server.origin, path, method: method as 'GET' },
        handler as unknown as Dispatcher.DispatchHandler,
      )
    },
  )
}

/** Registers `path` to answer 200 with `headers` and `body`, with a `Content-Length`. */
function serve(path: string, headers: Record<string, string>, body: Buffer | string): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  server.route(path, (_req, res) => {
    res.writeHead(200, { ...headers, 'content-length': bytes.length })
    res.end(bytes)
  })
}

/** Writes `chunks` one by one with a pause between them, so they arrive as separate reads. */
async function trickle(res: ServerResponse, chunks: readonly Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    res.write(chunk)
    await delay(15)
  }
  res.end()
}

/** A chunked body that never ends, sent with back-pressure; counts what it sent. */
function serveEndless(path: string, headers: Record<string, string> = {}): { sent: number } {
  const stats = { sent: 0 }
  server.route(path, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...headers })
    const block = expectedBytes(64 * 1024)
    const pump = (): void => {
      while (!res.destroyed) {
        stats.sent += block.length
        if (!res.write(block)) return void res.once('drain', pump)
      }
    }
    pump()
  })
  return stats
}

/**
 * Lets undici's pool see that a connection is free again: it learns so one event-loop turn
 * after the response ends, and a request sent sooner opens a new connection.
 */
function poolSettles(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** A gzip body of which only the first bytes are sent, then nothing, forever. */
function serveStalledGzip(path: string): void {
  const whole = zlib.gzipSync(expectedBytes(1 << 20))
  server.route(path, (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': whole.length })
    res.write(whole.subarray(0, 1000))
  })
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = []
  for await (const value of iterable) values.push(value)
  return values
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('Expected a rejection')
}

function connectionError(error: unknown, phase: HttpPhase): ConnectionError {
  return new ConnectionError({
    method: 'GET',
    url: 'http://test/',
    kind: 'other',
    phase,
    cause: error,
  })
}

describe('HttpResponse', () => {
  it('exposes status, statusText, ok, headers, url, redirects, attempts and method', async () => {
    const { response, onDone } = await open('/status/404')
    expect(response.status).toBe(404)
    expect(response.statusText).toBe('Not Found')
    expect(response.ok).toBe(false)
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(response.url).toBe(server.url('/status/404'))
    expect(response.redirects).toEqual([])
    expect(response.attempts).toBe(1)
    expect(response.method).toBe('GET')
    expect(response.bodyUsed).toBe(false)
    await response.release()
    expect(response.bodyUsed).toBe(true)
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('reports ok for 2xx statuses', async () => {
    const { response } = await open('/status/204')
    expect(response.ok).toBe(true)
    expect(response.statusText).toBe('No Content')
    expect(await response.text()).toBe('')
  })
})

describe('HttpResponse.text()', () => {
  it('decodes UTF-8 as Content-Type says', async () => {
    const { response, onDone } = await open('/text?charset=utf-8')
    expect(await response.text()).toBe(SAMPLE_TEXT)
    expect(response.bodyUsed).toBe(true)
    expect(onDone).toHaveBeenCalledOnce()
  })

  it.each(['latin1', 'iso-8859-1', 'utf-16le'])('decodes charset=%s', async (charset) => {
    const { response } = await open(`/text?charset=${charset}`)
    expect(await response.text()).toBe(SAMPLE_TEXT)
  })

  it('decodes UTF-8 when Content-Type has no charset', async () => {
    const { response } = await open('/text?charset=none')
    expect(await response.text()).toBe(SAMPLE_TEXT)
  })

  it('falls back to UTF-8 for an unknown charset label', async () => {
    const { response } = await open('/text?charset=no-such-charset')
    expect(await response.text()).toBe(SAMPLE_TEXT)
  })

  it('reads a quoted charset and drops a byte order mark', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf])
    serve(
      '/bom',
      { 'content-type': 'text/plain; charset="UTF-8"' },
      Buffer.concat([bom, Buffer.from('héllo')]),
    )
    const { response } = await open('/bom')
    expect(await response.text()).toBe('héllo')
  })
})

describe('HttpResponse.json()', () => {
  it('parses the body as JSON', async () => {
    const { response, onDone } = await open('/json')
    expect(await response.json<typeof SAMPLE_JSON>()).toEqual(SAMPLE_JSON)
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('rejects with the SyntaxError of JSON.parse for malformed JSON', async () => {
    const { response, onDone } = await open('/json?invalid=1')
    await expect(response.json()).rejects.toBeInstanceOf(SyntaxError)
    expect(onDone).toHaveBeenCalledOnce()
  })
})

describe('HttpResponse.drain()', () => {
  it('reads a plain body to the end and gives its size', async () => {
    const { response, onDone } = await open('/bytes/3000')
    expect(await response.drain()).toBe(3000)
    expect(response.bytesRead).toBe(3000)
    expect(onDone).toHaveBeenCalledTimes(1)
  })

  it('counts decoded bytes of a compressed body', async () => {
    const { response } = await open('/gzip')
    const size = await response.drain()
    expect(size).toBeGreaterThan(0)
    expect(size).toBe(response.bytesRead)
  })

  it('rejects when the body fails, unlike release()', async () => {
    const { response, classify } = await open('/reset-mid-body')
    await expect(response.drain()).rejects.toBeDefined()
    expect(classify).toHaveBeenCalledWith(expect.anything(), 'body')
  })

  it('throws TypeError once the body was read', async () => {
    const { response } = await open('/bytes/10')
    await response.text()
    await expect(response.drain()).rejects.toThrow(TypeError)
  })
})

describe('HttpResponse.bytes()', () => {
  it.each([
    ['with Content-Length', '/bytes/100000'],
    ['chunked', '/bytes/100000?chunked=1'],
  ])('returns every byte of the body %s', async (_, path) => {
    const { response, onDone } = await open(path)
    const bytes = await response.bytes()
    expect(bytes).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(bytes).equals(expectedBytes(100000))).toBe(true)
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('returns an empty array for an empty body', async () => {
    const { response } = await open('/bytes/0')
    expect(await response.bytes()).toEqual(new Uint8Array(0))
  })

  it('reuses the connection once the body was read', async () => {
    await (await open('/bytes/10')).response.bytes()
    await poolSettles()
    await (await open('/bytes/10')).response.bytes()
    expect(server.totalConnections).toBe(1)
  })
})

describe('HttpResponse.body', () => {
  it('yields decoded chunks that make up the body', async () => {
    const { response, onDone } = await open('/big?bytes=1000000')
    const chunks: Uint8Array[] = []
    for await (const chunk of response.body) chunks.push(chunk)
    expect(chunks.length).toBeGreaterThan(1)
    expect(Buffer.concat(chunks).equals(expectedBytes(1000000))).toBe(true)
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('throws TypeError when the body is read twice', async () => {
    const { response } = await open('/bytes/10')
    const body = response.body
    await response.bytes()
    expect(() => response.body).toThrow(TypeError)
    expect(() => response.body).toThrow(/^Body has already been read/)
    await expect(async () => {
      for await (const _ of body) break
    }).rejects.toThrow(/^Body has already been read/)
    await expect(response.text()).rejects.toThrow(TypeError)
    expect(() => response.lines()).toThrow(/^Body has already been read/)
  })

  it('throws TypeError when iterated a second time', async () => {
    const { response } = await open('/bytes/10')
    const body = response.body
    for await (const _ of body) {
      // read it all
    }
    await expect(async () => {
      for await (const _ of body) break
    }).rejects.toThrow(TypeError)
  })

  it('does not claim the body until iteration starts', async () => {
    const { response } = await open('/bytes/10')
    void response.body
    expect(response.bodyUsed).toBe(false)
    expect((await response.bytes()).length).toBe(10)
  })

  it('drains a small rest and reuses the connection after a break', async () => {
    const first = await open('/bytes/100000')
    for await (const chunk of first.response.body) {
      expect(chunk.length).toBeGreaterThan(0)
      break
    }
    expect(first.onDone).toHaveBeenCalledOnce()
    await poolSettles()
    await (await open('/bytes/10')).response.bytes()
    expect(server.totalConnections).toBe(1)
  })

  it('closes the connection after a break from a large body', async () => {
    const { response, onDone } = await open('/big?bytes=52428800')
    let seen = 0
    for await (const chunk of response.body) {
      seen += chunk.length
      break
    }
    expect(seen).toBeGreaterThan(0)
    expect(onDone).toHaveBeenCalledOnce()
    await expect.poll(() => server.connections).toBe(0)
  })

  it('closes the connection after a break from a body being decoded', async () => {
    serveStalledGzip('/stall-gzip')
    const { response, onDone } = await open('/stall-gzip')
    for await (const chunk of response.body) {
      expect(chunk.length).toBeGreaterThan(0)
      break
    }
    expect(onDone).toHaveBeenCalledOnce()
    await expect.poll(() => server.connections).toBe(0)
  })
})

describe('HttpResponse.lines()', () => {
  it('splits on \\n and yields the last line without a newline', async () => {
    const { response, onDone } = await open('/lines?n=4&trailing=0&chunk=3')
    const lines: string[] = []
    for await (const line of response.lines()) lines.push(line)
    expect(lines).toEqual(['line 1', 'line 2', 'line 3', 'line 4'])
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('splits on \\r\\n', async () => {
    const { response } = await open('/lines?n=3&crlf=1&chunk=1')
    expect(await collect(response.lines())).toEqual(['line 1', 'line 2', 'line 3'])
  })

  it('yields no empty line after a trailing newline, but keeps empty lines inside', async () => {
    serve('/blank', { 'content-type': 'text/plain' }, 'a\n\nb\n')
    const { response } = await open('/blank')
    expect(await collect(response.lines())).toEqual(['a', '', 'b'])
  })

  it('yields nothing for an empty body', async () => {
    const { response } = await open('/lines?n=0')
    expect(await collect(response.lines())).toEqual([])
  })

  it('decodes characters split across chunks', async () => {
    const text = 'aü€\r\n𝄞ß\nend'
    const bytes = Buffer.from(text)
    server.route('/split', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      return trickle(
        res,
        [...bytes].map((byte) => Buffer.from([byte])),
      )
    })
    const { response } = await open('/split')
    expect(await collect(response.lines())).toEqual(['aü€', '𝄞ß', 'end'])
  })

  it('decodes with the charset of Content-Type', async () => {
    serve(
      '/latin1-lines',
      { 'content-type': 'text/plain; charset=latin1' },
      Buffer.from('é\nà', 'latin1'),
    )
    const { response } = await open('/latin1-lines')
    expect(await collect(response.lines())).toEqual(['é', 'à'])
  })

  it('splits a compressed body', async () => {
    const { response } = await open('/gzip')
    const lines = await collect(response.lines())
    expect(lines).toHaveLength(COMPRESSED_REPEAT)
    expect(new Set(lines)).toEqual(new Set([SAMPLE_TEXT.trimEnd()]))
  })

  it('releases the response when the loop breaks', async () => {
    const { response, onDone } = await open('/lines?n=1000')
    for await (const line of response.lines()) {
      expect(line).toBe('line 1')
      break
    }
    expect(onDone).toHaveBeenCalledOnce()
    await response.release()
    expect(onDone).toHaveBeenCalledOnce()
  })
})

describe('HttpResponse decoding', () => {
  it.each(encodings)('decodes Content-Encoding: %s', async (coding) => {
    const { response, onDone } = await open(`/${coding}`)
    expect(response.headers['content-encoding']).toBe(coding)
    expect(await response.text()).toBe(COMPRESSED_TEXT)
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('decodes raw deflate (no zlib header) sent as deflate', async () => {
    serve('/raw-deflate', { 'content-encoding': 'deflate' }, zlib.deflateRawSync(COMPRESSED_TEXT))
    const { response } = await open('/raw-deflate')
    expect(await response.text()).toBe(COMPRESSED_TEXT)
  })

  it('decodes x-gzip and ignores case and identity', async () => {
    serve('/x-gzip', { 'content-encoding': 'X-GZIP, identity' }, zlib.gzipSync(COMPRESSED_TEXT))
    const { response } = await open('/x-gzip')
    expect(await response.text()).toBe(COMPRESSED_TEXT)
  })

  it('passes identity through', async () => {
    serve('/identity', { 'content-encoding': 'identity' }, 'plain')
    const { response } = await open('/identity')
    expect(await response.text()).toBe('plain')
  })

  it('undoes two codings in reverse order', async () => {
    const { response } = await open('/encoded?chain=gzip,br')
    expect(response.headers['content-encoding']).toBe('gzip, br')
    expect(await response.text()).toBe(COMPRESSED_TEXT)
  })

  it('decodes an empty compressed body as empty', async () => {
    serve('/empty-gzip', { 'content-encoding': 'gzip' }, '')
    const { response } = await open('/empty-gzip')
    expect(await response.text()).toBe('')
  })

  it('rejects more than two codings with DecompressionError encodings', async () => {
    const { response, onDone } = await open('/encoded?chain=gzip,deflate,br')
    const error = await rejection(response.text())
    expect(error).toBeInstanceOf(DecompressionError)
    expect(error).toMatchObject({ reason: 'encodings', limit: 2, encoding: 'gzip, deflate, br' })
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('rejects an unknown coding with DecompressionError unsupported', async () => {
    serve('/compress', { 'content-encoding': 'compress' }, 'whatever')
    const { response, onDone } = await open('/compress')
    await expect(response.bytes()).rejects.toMatchObject({
      code: 'ASYNCWITH_DECOMPRESSION',
      reason: 'unsupported',
      encoding: 'compress',
    })
    expect(onDone).toHaveBeenCalledOnce()
  })

  it.skipIf(hasZstd)('rejects zstd with unsupported where zlib has no zstd', async () => {
    serve('/zstd-here', { 'content-encoding': 'zstd' }, Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))
    const { response } = await open('/zstd-here')
    await expect(response.bytes()).rejects.toMatchObject({
      reason: 'unsupported',
      encoding: 'zstd',
    })
  })

  it.each(['gzip', 'deflate', 'br'])(
    'rejects a corrupt %s body with DecompressionError corrupt',
    async (coding) => {
      const { response, onDone, classify } = await open(`/corrupt?encoding=${coding}`)
      const error = await rejection(response.text())
      expect(error).toBeInstanceOf(DecompressionError)
      expect(error).toMatchObject({ reason: 'corrupt', encoding: coding })
      expect((error as Error).cause).toMatchObject({ code: expect.stringMatching(/^(Z_|ERR_)/) })
      expect(classify).not.toHaveBeenCalled()
      expect(onDone).toHaveBeenCalledOnce()
    },
  )

  it('rejects a gzip body cut short (but with a matching length) as corrupt', async () => {
    const whole = zlib.gzipSync(COMPRESSED_TEXT)
    serve('/cut-gzip', { 'content-encoding': 'gzip' }, whole.subarray(0, whole.length - 12))
    const { response } = await open('/cut-gzip')
    await expect(response.text()).rejects.toMatchObject({ reason: 'corrupt' })
  })

  it('passes the raw bytes through when decompression is disabled', async () => {
    const { response } = await open('/gzip', { decompress: { enabled: false } })
    const bytes = await response.bytes()
    expect(zlib.gunzipSync(bytes).toString()).toBe(COMPRESSED_TEXT)
  })

  it('passes unknown codings through when decompression is disabled', async () => {
    serve('/compress-raw', { 'content-encoding': 'compress, gzip, br' }, 'raw')
    const { response } = await open('/compress-raw', { decompress: { enabled: false } })
    expect(await response.text()).toBe('raw')
  })
})

describe('HttpResponse decompression bombs', () => {
  async function peakRss(
    run: () => Promise<unknown>,
  ): Promise<{ growth: number; result: unknown; ms: number }> {
    global.gc?.()
    const before = process.memoryUsage().rss
    let peak = before
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
    }, 2)
    const started = performance.now()
    try {
      const result = await run().catch((error: unknown) => error)
      return {
        growth: Math.max(peak, process.memoryUsage().rss) - before,
        result,
        ms: performance.now() - started,
      }
    } finally {
      clearInterval(sampler)
    }
  }

  it.each(['gzip', 'br'])(
    'stops a 100 MiB %s bomb by its ratio, in little memory',
    async (coding) => {
      const { response, onDone } = await open(`/bomb?encoding=${coding}`, {
        maxBodySize: 10 * MiB,
        decompress: { maxRatio: 100, ratioFloor: MiB },
      })
      const { growth, result, ms } = await peakRss(() => response.bytes())
      expect(result).toBeInstanceOf(DecompressionError)
      expect(result).toMatchObject({ reason: 'ratio', limit: 100 })
      expect(growth).toBeLessThan(100 * MiB)
      expect(ms).toBeLessThan(5000)
      expect(onDone).toHaveBeenCalledOnce()
    },
  )

  it('stops a 100 MiB gzip bomb at maxBodySize when no ratio applies', async () => {
    const { response, onDone } = await open('/bomb?encoding=gzip', {
      maxBodySize: 10 * MiB,
      decompress: { maxRatio: Number.POSITIVE_INFINITY },
    })
    const { growth, result } = await peakRss(async () => {
      for await (const _ of response.body) {
        // discard, as a streaming consumer would
      }
    })
    expect(result).toBeInstanceOf(BodySizeError)
    expect(result).toMatchObject({ limit: 10 * MiB, declared: false })
    expect((result as BodySizeError).size).toBeLessThanOrEqual(10 * MiB + 64 * 1024)
    expect(growth).toBeLessThan(100 * MiB)
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('decodes a highly compressible body that stays under the ratio', async () => {
    const { response } = await open('/bomb?encoding=gzip&size=2097152', {
      decompress: { maxRatio: 5000, ratioFloor: MiB },
    })
    expect((await response.bytes()).length).toBe(2 * MiB)
  })
})

/** Resolves once `read()` gives the same value `times` times in a row, 20 ms apart. */
async function steady(read: () => number, times = 5): Promise<number> {
  let last = read()
  let same = 0
  for (let turn = 0; turn < 500 && same < times; turn++) {
    await delay(20)
    const now = read()
    same = now === last ? same + 1 : 0
    last = now
  }
  return last
}

describe('HttpResponse: a body held until read', () => {
  it('holds an unread body without a stream, and reads it whole afterwards', async () => {
    const { response, body, onDone } = await open('/bytes/3000')
    await expect.poll(() => body.received).toBe(true)
    expect(body.streamed).toBe(false)
    expect(body.didRead).toBe(false)
    expect(Buffer.from(await response.bytes())).toEqual(expectedBytes(3000))
    expect(body.streamed).toBe(false)
    expect(response.bytesRead).toBe(3000)
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('pauses the socket while an unread body fills the buffer, and resumes when read', async () => {
    const endless = serveEndless('/endless')
    const { response, body, onDone } = await open('/endless', { maxBodySize: 32 * MiB })
    const sent = await steady(() => endless.sent)
    // Only socket buffers and the high-water mark: the server was stopped, not drained.
    expect(sent).toBeLessThan(16 * MiB)
    expect(body.streamed).toBe(false)
    // Reading resumes the socket: the body then runs into the limit.
    const error = await rejection(response.bytes())
    expect(error).toBeInstanceOf(BodySizeError)
    expect(endless.sent).toBeGreaterThan(sent)
    expect(onDone).toHaveBeenCalledOnce()
    await expect.poll(() => server.connections).toBe(0)
  })

  it('gives a stream with the held chunks to a reader that needs one', async () => {
    const { response, body } = await open('/bytes/20000?chunked=1')
    await expect.poll(() => body.received).toBe(true)
    const chunks = await collect(response.body)
    expect(body.streamed).toBe(true)
    expect(Buffer.concat(chunks)).toEqual(expectedBytes(20000))
  })

  it('fails a later read with the error that cut an unread body', async () => {
    server.route('/cut', (_req, res) => {
      res.writeHead(200, { 'content-length': 100000 })
      res.write(expectedBytes(1000))
      setTimeout(() => res.destroy(), 20)
    })
    const classify = vi.fn<Classify>((error) => connectionError(error, 'body'))
    const { response, body, onDone } = await open('/cut', { classify })
    await expect.poll(() => body.destroyed).toBe(true)
    expect(body.streamed).toBe(false)
    const error = await rejection(response.text())
    expect(error).toBeInstanceOf(ConnectionError)
    expect(classify).toHaveBeenCalledWith(expect.anything(), 'body')
    expect(onDone).toHaveBeenCalledOnce()
  })
})

describe('HttpResponse maxBodySize', () => {
  it('rejects while streaming once the decoded bytes pass the limit', async () => {
    const endless = serveEndless('/endless')
    const { response, onDone } = await open('/endless', { maxBodySize: MiB })
    const started = performance.now()
    const error = await rejection(response.bytes())
    expect(error).toBeInstanceOf(BodySizeError)
    expect(error).toMatchObject({ limit: MiB, declared: false, method: 'GET' })
    expect((error as BodySizeError).size).toBeGreaterThan(MiB)
    expect((error as BodySizeError).size).toBeLessThanOrEqual(MiB + 64 * 1024)
    expect(performance.now() - started).toBeLessThan(2000)
    expect(onDone).toHaveBeenCalledOnce()
    await expect.poll(() => server.connections).toBe(0)
    expect(endless.sent).toBeLessThan(20 * MiB)
  })

  it('rejects before reading when Content-Length is over the limit', async () => {
    const { response, body, onDone } = await open('/big?bytes=52428800', { maxBodySize: MiB })
    const error = await rejection(response.bytes())
    expect(error).toBeInstanceOf(BodySizeError)
    expect(error).toMatchObject({ limit: MiB, size: 52428800, declared: true })
    expect(body.didRead).toBe(false)
    expect(onDone).toHaveBeenCalledOnce()
    await expect.poll(() => server.connections).toBe(0)
  })

  it('ignores the Content-Length of a HEAD response', async () => {
    const { response, onDone } = await open('/big?bytes=52428800', {
      method: 'HEAD',
      maxBodySize: MiB,
    })
    expect(response.headers['content-length']).toBe('52428800')
    expect(await response.bytes()).toHaveLength(0)
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('accepts a body of exactly maxBodySize bytes', async () => {
    const { response } = await open('/bytes/1000?chunked=1', { maxBodySize: 1000 })
    expect((await response.bytes()).length).toBe(1000)
  })

  it('counts decoded bytes, not compressed ones', async () => {
    const { response, onDone } = await open('/gzip', { maxBodySize: 1000 })
    expect(Number(response.headers['content-length'])).toBeLessThan(1000)
    await expect(response.text()).rejects.toMatchObject({
      code: 'ASYNCWITH_BODY_TOO_LARGE',
      declared: false,
    })
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('applies to lines()', async () => {
    const { response } = await open('/lines?n=1000', { maxBodySize: 100 })
    await expect(collect(response.lines())).rejects.toBeInstanceOf(BodySizeError)
  })
})

describe('HttpResponse.release()', () => {
  it('drains a small unread body so the connection is reused', async () => {
    const { response, onDone } = await open('/bytes/50000')
    await response.release()
    expect(onDone).toHaveBeenCalledOnce()
    await poolSettles()
    expect(await (await open('/bytes/10')).response.bytes()).toHaveLength(10)
    expect(server.totalConnections).toBe(1)
    expect(server.requests.map((request) => request.connection)).toEqual([1, 1])
  })

  it('closes the connection of a large unread body without reading it', async () => {
    const { response, body, onDone } = await open('/big?bytes=52428800')
    const started = performance.now()
    await response.release()
    expect(performance.now() - started).toBeLessThan(2000)
    expect(body.didRead).toBe(false)
    expect(onDone).toHaveBeenCalledOnce()
    await expect.poll(() => server.connections).toBe(0)
  })

  it('does not hang on a stalled body', async () => {
    const { response, onDone } = await open('/stall-body')
    const started = performance.now()
    await response.release()
    expect(performance.now() - started).toBeLessThan(2000)
    expect(onDone).toHaveBeenCalledOnce()
    await expect.poll(() => server.connections).toBe(0)
  })

  it('is idempotent and calls onDone once', async () => {
    const { response, onDone } = await open('/bytes/10')
    const first = response.release()
    expect(response.release()).toBe(first)
    await first
    await response.release()
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('does nothing more after the body was read', async () => {
    const { response, onDone } = await open('/bytes/10')
    await response.bytes()
    await response.release()
    expect(onDone).toHaveBeenCalledOnce()
    expect(response.bodyUsed).toBe(true)
  })

  it('makes later reads throw TypeError', async () => {
    const { response } = await open('/bytes/10')
    await response.release()
    await expect(response.text()).rejects.toThrow(/^Body has already been released/)
    expect(() => response.body).toThrow(TypeError)
    expect(() => response.lines()).toThrow(/^Body has already been released/)
  })

  it('cuts off a read in progress, which rejects with TypeError', async () => {
    const { response, onDone } = await open('/stall-body')
    const reading = rejection(response.text())
    await delay(50)
    await response.release()
    expect(onDone).toHaveBeenCalledOnce()
    const error = await reading
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toMatch(/^Body has already been released/)
    expect(onDone).toHaveBeenCalledOnce()
    await expect.poll(() => server.connections).toBe(0)
  })

  it('cuts off an iterator paused between chunks', async () => {
    const { response, onDone } = await open('/big?bytes=52428800')
    const iterator = response.body[Symbol.asyncIterator]()
    expect((await iterator.next()).done).toBe(false)
    await response.release()
    expect(onDone).toHaveBeenCalledOnce()
    await expect(iterator.next()).rejects.toThrow(/released/)
    expect(onDone).toHaveBeenCalledOnce()
    await expect.poll(() => server.connections).toBe(0)
  })

  it('releases a claimed but never iterated lines() body', async () => {
    const { response, onDone } = await open('/bytes/10')
    response.lines()
    await response.release()
    expect(onDone).toHaveBeenCalledOnce()
    await poolSettles()
    await (await open('/bytes/10')).response.bytes()
    expect(server.totalConnections).toBe(1)
  })
})

describe('HttpResponse[Symbol.asyncDispose]()', () => {
  it('releases an unread response when the scope ends', async () => {
    let seen: Opened | undefined
    {
      seen = await open('/bytes/1000')
      await using response = seen.response
      expect(response.status).toBe(200)
    }
    expect(seen.onDone).toHaveBeenCalledOnce()
    expect(seen.response.bodyUsed).toBe(true)
  })

  it('releases when the scope throws, and the error passes through', async () => {
    const opened = await open('/big?bytes=52428800')
    const failing = async () => {
      await using response = opened.response
      for await (const _ of response.body) throw new Error('boom')
    }
    await expect(failing()).rejects.toThrow('boom')
    expect(opened.onDone).toHaveBeenCalledOnce()
    await expect.poll(() => server.connections).toBe(0)
  })

  it('is release()', async () => {
    const { response } = await open('/bytes/10')
    await response[Symbol.asyncDispose]()
    expect(response.release()).toBe(response.release())
  })
})

describe('HttpResponse signal', () => {
  it('rejects with the reason of an already aborted signal', async () => {
    const controller = new AbortController()
    const reason = new Error('stop')
    controller.abort(reason)
    const { response, onDone } = await open('/bytes/10', { signal: controller.signal })
    await expect(response.text()).rejects.toBe(reason)
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('rejects with the reason, unchanged, when aborted mid-read', async () => {
    const controller = new AbortController()
    const reason = { custom: 'reason' }
    const { response, onDone, classify } = await open('/stall-body', { signal: controller.signal })
    const reading = rejection(response.bytes())
    await delay(50)
    controller.abort(reason)
    expect(await reading).toBe(reason)
    expect(classify).not.toHaveBeenCalled()
    expect(onDone).toHaveBeenCalledOnce()
    await expect.poll(() => server.connections).toBe(0)
  })

  it('rejects with the reason when aborted while decoding', async () => {
    serveStalledGzip('/stall-gzip')
    const controller = new AbortController()
    const { response, onDone } = await open('/stall-gzip', { signal: controller.signal })
    const reading = rejection(collect(response.body))
    await delay(50)
    controller.abort(new Error('cancelled'))
    expect(await reading).toMatchObject({ message: 'cancelled' })
    expect(onDone).toHaveBeenCalledOnce()
    await expect.poll(() => server.connections).toBe(0)
  })
})

describe('HttpResponse network faults', () => {
  it.each([
    ['/reset-mid-body', ['ECONNRESET', 'UND_ERR_SOCKET']],
    ['/close-mid-body', ['UND_ERR_SOCKET']],
    ['/truncated-chunked', ['UND_ERR_SOCKET']],
    ['/wrong-length', ['UND_ERR_SOCKET']],
  ])('classifies the failure of %s in phase body', async (path, codes) => {
    const { response, onDone, classify } = await open(path, { classify: connectionError })
    const error = await rejection(response.bytes())
    expect(error).toBeInstanceOf(ConnectionError)
    expect(classify).toHaveBeenCalledOnce()
    const [cause, phase] = classify.mock.calls[0]!
    expect(phase).toBe('body')
    expect(codes).toContain((cause as { code?: string }).code)
    expect((error as Error).cause).toBe(cause)
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('classifies a reset under a compressed body as a network failure, not corruption', async () => {
    const whole = zlib.gzipSync(Buffer.from(expectedBytes(1 << 20)))
    server.route('/reset-gzip', (req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': whole.length })
      res.write(whole.subarray(0, 1000))
      setTimeout(() => req.socket.resetAndDestroy(), 50)
    })
    const { response, classify } = await open('/reset-gzip', { classify: connectionError })
    expect(await rejection(response.text())).toBeInstanceOf(ConnectionError)
    expect(classify).toHaveBeenCalledWith(
      expect.objectContaining({ code: expect.any(String) }),
      'body',
    )
  })

  it('classifies a stalled body as UND_ERR_BODY_TIMEOUT', async () => {
    const timed = newAgent({ bodyTimeout: 200 })
    const { response, onDone, classify } = await open('/stall-body', { agent: timed })
    const error = await rejection(response.text())
    expect(classify).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'UND_ERR_BODY_TIMEOUT' }),
      'body',
    )
    expect(error).toBe(classify.mock.calls[0]![0])
    expect(onDone).toHaveBeenCalledOnce()
  })

  it('classifies a trickle slower than bodyTimeout as UND_ERR_BODY_TIMEOUT', async () => {
    const timed = newAgent({ bodyTimeout: 200 })
    const { response, classify } = await open('/trickle?bytes=5&interval=3000', { agent: timed })
    await rejection(response.text())
    expect(classify).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'UND_ERR_BODY_TIMEOUT' }),
      'body',
    )
  })

  it('reads a slow trickle whose pauses stay under bodyTimeout', async () => {
    const timed = newAgent({ bodyTimeout: 2000 })
    const { response, classify } = await open('/trickle?bytes=5&interval=30', { agent: timed })
    expect(await response.text()).toBe('.....')
    expect(classify).not.toHaveBeenCalled()
  })
})
