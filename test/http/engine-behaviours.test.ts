import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import {
  ConnectionError,
  HttpClient,
  type HttpClientOptions,
  HttpTimeoutError,
  isInvalidRequestError,
} from 'asyncwith/http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { classifyError } from '../../src/http/_classify.js'
import { flakyKey, startTestServer, type TestServer } from '../_helpers/http-server.js'
import { rejectionOf, useClients } from './_client-fixtures.js'

// The behaviours of issue 11, each against a local server that does exactly that.

const { client: newClient } = useClients()
let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
  server.route('/not-modified', (_req, res) => {
    res.writeHead(304, { 'content-length': '500', etag: '"a"' })
    res.end()
  })
  server.route('/no-content', (_req, res) => {
    res.writeHead(204, { 'content-length': '20' })
    res.end()
  })
  server.route('/cafe-redirect', (_req, res) => {
    // Node writes header strings as Latin-1: this sends the raw UTF-8 bytes of `/café`.
    res.writeHead(302, { location: Buffer.from('/café', 'utf8').toString('latin1') }).end()
  })
  server.route('/cp1252', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' })
    res.end(Buffer.from([0x80, 0x93, 0x68, 0x69, 0x94, 0x99, 0xe9]))
  })
  server.route('/cookies/:kib', (_req, res, { params }) => {
    const count = Number(params.kib)
    const cookies = Array.from({ length: count }, (_, i) => `c${i}=${'v'.repeat(1000)}`)
    res.writeHead(200, { 'set-cookie': cookies })
    res.end('ok')
  })
})
afterAll(() => server.close())

describe('responses nobody reads (behaviour 1)', () => {
  const loops: Array<[string, HttpClientOptions]> = [
    ['default options', {}],
    ['connections: 1', { connections: 1 }],
  ]
  for (const [name, options] of loops) {
    it(`completes 1,000 unread HEADs and 1,000 unread GETs with ${name}`, async () => {
      const client = newClient(options)
      let ok = 0
      for (let i = 0; i < 1000; i++) {
        const response = await client.head(server.url('/bytes/10'))
        if (response.status === 200) ok++
      }
      for (let i = 0; i < 1000; i++) {
        const response = await client.get(server.url('/bytes/10'))
        if (response.status === 200) ok++
      }
      expect(ok).toBe(2000)
      expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
    }, 60_000)
  }

  it('ends an unread body that holds a socket at the body limit, then frees it', async () => {
    const client = newClient({ connections: 1, timeout: { body: 100 }, retry: 0 })
    const unread = await client.get(server.url('/stall-body'))
    const next = await client.get(server.url('/bytes/10'))
    expect((await next.bytes()).byteLength).toBe(10)
    const error = await rejectionOf(unread.text())
    expect(error).toBeInstanceOf(HttpTimeoutError)
    expect(error).toMatchObject({ phase: 'body', ms: 100 })
  })

  it('never lets the process exit silently while a request waits on an unread response', async () => {
    const script = fileURLToPath(new URL('./_unread-wait.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    const warned = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
        if (stderr.includes('ASYNCWITH_HTTP_UNREAD_RESPONSES')) resolve()
      })
    })
    const exited = once(child, 'exit').then(([code]) => `exited with ${String(code)}`)
    const first = await Promise.race([warned.then(() => 'warned'), exited])
    child.kill()
    await once(child, 'close').catch(() => {})
    expect(first).toBe('warned')
    expect(stdout).toBe('first 200\n')
    expect(stderr).toMatch(/response\(s\) hold theirs with a body nobody has read/)
  }, 60_000)

  it('keeps the whole body of an unread response for a later read', async () => {
    const client = newClient({ connections: 1 })
    const first = await client.get(server.url('/bytes/1000'))
    const second = await client.get(server.url('/bytes/20'))
    expect((await first.bytes()).byteLength).toBe(1000)
    expect((await second.bytes()).byteLength).toBe(20)
  })
})

describe('204, 304 and HEAD (behaviour 2)', () => {
  it('gives a 304 with Content-Length as final and empty, never cut short or retried', async () => {
    const client = newClient()
    const before = server.requests.length
    const response = await client.get(server.url('/not-modified'))
    expect(response.status).toBe(304)
    expect(await response.text()).toBe('')
    const outcomes = []
    for await (const outcome of client.fetchAll([server.url('/not-modified')])) {
      outcomes.push(outcome)
    }
    expect(outcomes[0]).toMatchObject({ ok: true, status: 304, value: '', attempts: 1 })
    expect(server.requests.length - before).toBe(2)
    expect(await (await client.get(server.url('/text'))).text()).toContain('Grüße')
  })

  it('gives a 204 with Content-Length as empty', async () => {
    const client = newClient()
    const response = await client.get(server.url('/no-content'))
    expect(response.status).toBe(204)
    expect((await response.bytes()).byteLength).toBe(0)
  })

  it('gives a HEAD response as empty whatever its Content-Length', async () => {
    const client = newClient()
    const response = await client.head(server.url('/bytes/5000'))
    expect(response.headers['content-length']).toBe('5000')
    expect(await response.text()).toBe('')
  })
})

describe('Location bytes (behaviour 3)', () => {
  it('follows a Location of raw UTF-8 bytes to the URL they spell', async () => {
    const client = newClient()
    const response = await client.get(server.url('/cafe-redirect'))
    await response.release()
    expect(response.url).toBe(server.url('/caf%C3%A9'))
    expect(server.requests.at(-1)?.path).toBe('/caf%C3%A9')
  })
})

describe('windows-1252 text (behaviour 4)', () => {
  it('decodes iso-8859-1 as windows-1252, 0x80–0x9F included', async () => {
    const client = newClient()
    const response = await client.get(server.url('/cp1252'))
    expect(await response.text()).toBe('€“hi”™é')
  })

  it('decodes lines() the same way', async () => {
    const client = newClient()
    const response = await client.get(server.url('/cp1252'))
    const lines: string[] = []
    for await (const line of response.lines()) lines.push(line)
    expect(lines).toEqual(['€“hi”™é'])
  })
})

describe('maxHeaderSize (behaviour 5)', () => {
  it('accepts 48 KiB of Set-Cookie by default', async () => {
    const client = newClient()
    const response = await client.get(server.url('/cookies/48'))
    expect(response.headers['set-cookie']).toHaveLength(48)
    expect(await response.text()).toBe('ok')
  })

  it('fails a larger header section with a typed error, and takes a larger limit', async () => {
    const client = newClient({ retry: 0 })
    const error = await rejectionOf(client.get(server.url('/cookies/80')))
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error).toMatchObject({ kind: 'headers-too-large', method: 'GET' })
    const roomy = newClient({ maxHeaderSize: 128 * 1024 })
    expect(await (await roomy.get(server.url('/cookies/80'))).text()).toBe('ok')
  })

  it('checks the option', () => {
    expect(() => new HttpClient({ maxHeaderSize: 10 })).toThrow(/`maxHeaderSize`/)
  })

  it('wraps an undici error it does not know, with code, method, url and cause', () => {
    const raw = Object.assign(new Error('odd'), { code: 'UND_ERR_SOMETHING_NEW' })
    const timeouts = { connect: 1, headers: 1, body: 1 }
    const typed = classifyError(raw, 'headers', 'GET', 'http://127.0.0.1/', timeouts)
    expect(typed).toBeInstanceOf(ConnectionError)
    expect(typed).toMatchObject({
      code: 'ASYNCWITH_CONNECTION',
      kind: 'other',
      method: 'GET',
      url: 'http://127.0.0.1/',
      cause: raw,
    })
  })
})

/**
 * A raw HTTP/1.1 server: each connection answers its first request (kept alive) and closes
 * at the next one without a byte, as a server whose idle timer fired just then does.
 */
async function staleServer(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = []
  const sockets = new Set<Socket>()
  const raw: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    let served = false
    socket.on('data', (data) => {
      requests.push(data.toString('latin1').split(' ', 1)[0] ?? '')
      if (served) {
        socket.destroy()
        return
      }
      served = true
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok')
    })
  })
  raw.listen(0, '127.0.0.1')
  await once(raw, 'listening')
  const { port } = raw.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy()
      raw.close()
      await once(raw, 'close')
    },
  }
}

/** Lets undici put the connection back in its pool (it waits a turn of the event loop). */
const idle = () => new Promise((resolve) => setTimeout(resolve, 20))

describe('stale keep-alive connections (behaviour 7)', () => {
  it('replays an idempotent request once on a fresh connection, even with retry off', async () => {
    const stale = await staleServer()
    try {
      const client = newClient({ retry: false })
      expect(await (await client.get(stale.url)).text()).toBe('ok')
      await idle()
      const response = await client.get(stale.url)
      expect(await response.text()).toBe('ok')
      expect(response.attempts).toBe(2)
      expect(stale.requests).toEqual(['GET', 'GET', 'GET'])
    } finally {
      await stale.close()
    }
  })

  it('never replays a POST', async () => {
    const stale = await staleServer()
    try {
      const client = newClient()
      expect(await (await client.get(stale.url)).text()).toBe('ok')
      await idle()
      const error = await rejectionOf(client.post(stale.url, { body: 'x' }))
      expect(error).toBeInstanceOf(ConnectionError)
      expect(stale.requests).toEqual(['GET', 'POST'])
    } finally {
      await stale.close()
    }
  })
})

describe('bad method or header (behaviour 8)', () => {
  it('rejects before anything is sent, naming the method, the URL and the bad value', async () => {
    const client = newClient()
    const before = server.requests.length
    const url = server.url('/echo')
    const header = await rejectionOf(client.get(url, { headers: { 'x-a': 'a\r\nb' } }))
    expect(isInvalidRequestError(header)).toBe(true)
    expect(header).toMatchObject({ method: 'GET', url })
    expect((header as Error).message).toMatch(/x-a/)
    const method = await rejectionOf(client.request('GE T', url))
    expect(method).toMatchObject({ code: 'ASYNCWITH_INVALID_REQUEST', method: 'GE T', url })
    expect(server.requests.length).toBe(before)
  })
})

describe('one timer rule', () => {
  it('runs a limit of a second or more on its own deadline too', async () => {
    const client = newClient({ retry: 0, timeout: { headers: 1000, body: 1000 } })
    const headers = await rejectionOf(client.get(server.url('/no-headers')))
    expect(headers).toBeInstanceOf(HttpTimeoutError)
    expect(headers).toMatchObject({ phase: 'headers', ms: 1000 })
    const response = await client.get(server.url('/stall-body'))
    const body = await rejectionOf(response.text())
    expect(body).toMatchObject({ phase: 'body', ms: 1000 })
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })

  it('does not restart the headers limit on a 1xx response', async () => {
    const sockets = new Set<Socket>()
    const raw = createServer((socket) => {
      sockets.add(socket)
      const timer = setInterval(() => socket.write('HTTP/1.1 103 Early Hints\r\n\r\n'), 20)
      socket.on('close', () => clearInterval(timer))
      socket.on('error', () => {})
    })
    raw.listen(0, '127.0.0.1')
    await once(raw, 'listening')
    try {
      const { port } = raw.address() as { port: number }
      const client = newClient({ retry: 0, timeout: { headers: 150 } })
      const error = await rejectionOf(client.get(`http://127.0.0.1:${port}/`))
      expect(error).toBeInstanceOf(HttpTimeoutError)
      expect(error).toMatchObject({ phase: 'headers', ms: 150 })
    } finally {
      for (const socket of sockets) socket.destroy()
      raw.close()
      await once(raw, 'close')
    }
  })
})

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of source) items.push(item)
  return items
}

describe('fetchAll outcomes', () => {
  it('times the wait before the final attempt apart from its ttfb', async () => {
    const client = newClient({ retry: { limit: 2, baseDelay: 1 } })
    const url = server.url(`/flaky/1?key=${flakyKey()}&status=503&retry-after=0`)
    const [outcome] = await collect(client.fetchAll([url]))
    expect(outcome).toMatchObject({ ok: true, status: 200, attempts: 2 })
    const { start, wait, ttfb, total } = outcome!.timings
    expect(start).toBeGreaterThan(0)
    expect(wait).toBeGreaterThanOrEqual(0)
    expect(ttfb).toBeGreaterThanOrEqual(0)
    expect(wait + (ttfb as number)).toBeLessThanOrEqual(total)
  })

  it('reports the status and headers of a final response whose body failed', async () => {
    const client = newClient({ retry: 0 })
    const outcomes = await collect(
      client.fetchAll([server.url('/bytes/1000'), server.url('/reset-mid-body'), 'nope'], {
        maxBodySize: 10,
        ordered: true,
      }),
    )
    expect(outcomes[0]).toMatchObject({ ok: false, status: 200 })
    expect(outcomes[0]).toHaveProperty(['headers', 'content-length'], '1000')
    expect(outcomes[0]).toHaveProperty(['error', 'code'], 'ASYNCWITH_BODY_TOO_LARGE')
    expect(outcomes[1]).toMatchObject({ ok: false, status: 200 })
    expect(outcomes[2]).toMatchObject({ ok: false, attempts: 0 })
    expect(outcomes[2]).not.toHaveProperty('status')
    expect(outcomes[2]?.timings.ttfb).toBeUndefined()
  })
})
