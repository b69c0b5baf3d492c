import { readFileSync } from 'node:fs'
import * as zlib from 'node:zlib'
import {
  DecompressionError,
  type FetchOutcome,
  type HttpClientOptions,
  HttpStatusError,
  InvalidUrlError,
  RedirectDowngradeError,
  RedirectLimitError,
} from 'asyncwith/http'
import { describe, expect, it } from 'vitest'
import { head, type RawRequest } from '../_helpers/raw-http-server.js'
import { rejectionOf } from './_client-fixtures.js'
import { reply, useRaw } from './_rfc-fixtures.js'

// RFC 9110 (HTTP semantics) against servers on raw sockets: redirects (§15.4), Retry-After
// (§10.2.3) and idempotent methods (§9.2.2), content codings (§8.4), status codes (§15).
// Where the RFC leaves a choice, the comment says which one we make and whose behaviour it
// follows. Every server and client is closed after its test, and no socket may be left.

const { client: newClient, server: rawServer } = useRaw()

const cert = readFileSync(new URL('../_helpers/tls/cert.pem', import.meta.url), 'utf8')
const key = readFileSync(new URL('../_helpers/tls/key.pem', import.meta.url), 'utf8')

/** The single outcome of fetching `url` with fetchAll. */
async function outcomeOf(
  url: string,
  clientOptions: HttpClientOptions = {},
  options = {},
): Promise<FetchOutcome> {
  const client = newClient(clientOptions)
  const outcomes: FetchOutcome[] = []
  for await (const outcome of client.fetchAll([url], options)) outcomes.push(outcome)
  expect(outcomes).toHaveLength(1)
  return outcomes[0]!
}

/** A server whose `/from` answers `status` with `Location: location`; anything else echoes. */
function redirecting(status: number, location: (request: RawRequest) => string) {
  return rawServer((socket, request) => {
    if (request.target.startsWith('/from')) {
      socket.write(
        `${head(`${status} Moved`, `Location: ${location(request)}`, 'Content-Length: 4')}gone`,
      )
    } else socket.write(reply(`${request.method} ${request.target} ${request.body.toString()}`))
  })
}

describe('RFC 9110 §15.4: redirects', () => {
  for (const status of [301, 302]) {
    it(`§15.4.${status - 299}: ${status} turns POST into GET without the body or its headers (as fetch does)`, async () => {
      // RFC 9110 allows a user agent to change POST to GET on 301/302 "for historical
      // reasons"; browsers, fetch and curl (--location) do, so we do.
      const server = await redirecting(status, () => '/to')
      const client = newClient()
      const response = await client.post(server.url('/from'), {
        body: 'payload',
        headers: { 'content-type': 'text/plain', 'x-keep': 'yes' },
      })
      expect(await response.text()).toBe('GET /to ')
      const hop = server.requests[1]!
      expect(hop.method).toBe('GET')
      expect(hop.header('content-type')).toBeUndefined()
      expect(hop.header('content-length')).toBeUndefined()
      expect(hop.header('transfer-encoding')).toBeUndefined()
      expect(hop.header('x-keep')).toBe('yes')
      expect(response.redirects).toEqual([server.url('/to')])
    })

    it(`§15.4.${status - 299}: ${status} keeps any other method and its body`, async () => {
      const server = await redirecting(status, () => '/to')
      const client = newClient()
      const response = await client.put(server.url('/from'), { body: 'data' })
      expect(await response.text()).toBe('PUT /to data')
    })
  }

  it('§15.4.4: 303 turns every method into GET, but HEAD stays HEAD', async () => {
    const server = await redirecting(303, () => '/to')
    const client = newClient()
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await client.request(method, server.url('/from'), {
        body: 'x',
        headers: { 'content-type': 'text/plain' },
      })
      expect(await response.text(), method).toBe('GET /to ')
    }
    const headed = await client.head(server.url('/from'))
    expect(headed.status).toBe(200)
    expect(server.requests.at(-1)!.method).toBe('HEAD')
    expect(
      server.requests.filter((r) => r.target === '/to').every((r) => !r.header('content-type')),
    ).toBe(true)
  })

  for (const status of [307, 308]) {
    it(`§15.4.${status === 307 ? 8 : 9}: ${status} keeps the method, the body and its headers`, async () => {
      const server = await redirecting(status, () => '/to')
      const client = newClient()
      const response = await client.post(server.url('/from'), {
        body: 'payload',
        headers: { 'content-type': 'text/plain' },
      })
      expect(await response.text()).toBe('POST /to payload')
      const hop = server.requests[1]!
      expect(hop.header('content-type')).toBe('text/plain')
      expect(hop.all('content-length')).toEqual(['7'])
    })
  }

  const relative: Array<[string, string]> = [
    ['b', '/dir/b'],
    ['../up?x=1', '/up?x=1'],
    ['?q=2', '/dir/from?q=2'],
    ['/abs/path', '/abs/path'],
  ]
  for (const [location, target] of relative) {
    it(`§10.2.2: a relative Location \`${location}\` resolves against the request URL`, async () => {
      const server = await rawServer((socket, request) => {
        if (request.target === '/dir/from')
          socket.write(head('302 Found', `Location: ${location}`, 'Content-Length: 0'))
        else socket.write(reply(request.target))
      })
      const client = newClient()
      const response = await client.get(server.url('/dir/from'))
      expect(await response.text()).toBe(target)
      expect(response.url).toBe(server.url(target))
    })
  }

  it('§10.2.2: a network-path Location (`//host:port/x`) keeps the scheme', async () => {
    const server = await redirecting(302, (request) => `//${request.header('host')}/x`)
    const client = newClient()
    expect(await (await client.get(server.url('/from'))).text()).toBe('GET /x ')
  })

  it("§10.2.2: a Location without a fragment inherits the request URL's; one with a fragment replaces it", async () => {
    // The fragment is never sent (RFC 9110 §7.1); the final `url` carries it as the RFC and
    // browsers do, and as Python requests reports it.
    const server = await rawServer((socket, request) => {
      if (request.target === '/from')
        socket.write(head('302 Found', 'Location: /to', 'Content-Length: 0'))
      else if (request.target === '/own')
        socket.write(head('302 Found', 'Location: /to#own', 'Content-Length: 0'))
      else socket.write(reply(request.target))
    })
    const client = newClient()
    const inherited = await client.get(server.url('/from#section'))
    expect(await inherited.text()).toBe('/to')
    expect(inherited.url).toBe(server.url('/to#section'))
    expect(inherited.redirects).toEqual([server.url('/to#section')])
    const replaced = await client.get(server.url('/own#section'))
    expect(await replaced.text()).toBe('/to')
    expect(replaced.url).toBe(server.url('/to#own'))
    const direct = await client.get(server.url('/to#top'))
    await direct.text()
    expect(direct.url).toBe(server.url('/to#top'))
    expect(server.requests.every((r) => !r.target.includes('#'))).toBe(true)
    expect(await outcomeOf(server.url('/from#s'))).toMatchObject({
      ok: true,
      url: server.url('/to#s'),
    })
  })

  it('§15.4: a hop to another origin drops Authorization, Cookie and Proxy-Authorization; one on the same origin keeps them', async () => {
    const other = await rawServer((socket) => void socket.write(reply('other')))
    const server = await rawServer((socket, request) => {
      if (request.target === '/cross')
        socket.write(head('302 Found', `Location: ${other.url('/landed')}`, 'Content-Length: 0'))
      else if (request.target === '/same')
        socket.write(head('302 Found', 'Location: /landed', 'Content-Length: 0'))
      else socket.write(reply('same'))
    })
    const client = newClient()
    const headers = {
      authorization: 'Bearer secret',
      cookie: 'session=1',
      'proxy-authorization': 'Basic cHJveHk6cHc=',
      'x-custom': 'kept',
    }
    expect(await (await client.get(server.url('/cross'), { headers })).text()).toBe('other')
    const crossed = other.requests[0]!
    expect(crossed.header('authorization')).toBeUndefined()
    expect(crossed.header('cookie')).toBeUndefined()
    expect(crossed.header('proxy-authorization')).toBeUndefined()
    expect(crossed.header('x-custom')).toBe('kept')
    expect(crossed.header('host')).toBe(`127.0.0.1:${other.port}`)

    expect(await (await client.get(server.url('/same'), { headers })).text()).toBe('same')
    const stayed = server.requests.at(-1)!
    expect(stayed.header('authorization')).toBe('Bearer secret')
    expect(stayed.header('cookie')).toBe('session=1')

    // Credentials from the URL's userinfo become Authorization, and go the same way.
    const withUser = new URL(server.url('/cross'))
    withUser.username = 'user'
    withUser.password = 'pw'
    await (await client.get(withUser)).text()
    expect(server.requests.at(-1)!.header('authorization')).toMatch(/^Basic /)
    expect(other.requests.at(-1)!.header('authorization')).toBeUndefined()
  })

  it('RFC 9110 §4.2.4: userinfo in a Location is neither sent nor reported', async () => {
    const server = await rawServer((socket, request) => {
      if (request.target === '/from') {
        socket.write(
          head(
            '302 Found',
            `Location: http://user:pw@127.0.0.1:${socket.localPort}/to`,
            'Content-Length: 0',
          ),
        )
      } else socket.write(reply('ok'))
    })
    const client = newClient()
    const response = await client.get(server.url('/from'))
    await response.text()
    expect(response.url).toBe(server.url('/to'))
    expect(response.redirects).toEqual([server.url('/to')])
    expect(server.requests[1]!.header('authorization')).toBeUndefined()
  })

  it('§15.4: a redirect loop ends at the limit with a typed error listing the hops', async () => {
    const server = await redirecting(302, () => '/from')
    const client = newClient({ redirect: { limit: 3 } })
    const error = await rejectionOf(client.get(server.url('/from')))
    expect(error).toBeInstanceOf(RedirectLimitError)
    expect(error).toMatchObject({ code: 'ASYNCWITH_REDIRECT_LIMIT', limit: 3 })
    expect((error as RedirectLimitError).redirects).toHaveLength(4)
    expect(server.requests).toHaveLength(4)
  })

  it('§15.4: exactly `limit` hops are followed', async () => {
    const server = await rawServer((socket, request) => {
      const n = Number(request.target.slice(1))
      if (n > 0) socket.write(head('302 Found', `Location: /${n - 1}`, 'Content-Length: 0'))
      else socket.write(reply('end'))
    })
    const client = newClient({ redirect: { limit: 2 } })
    expect(await (await client.get(server.url('/2'))).text()).toBe('end')
    expect(await rejectionOf(client.get(server.url('/3')))).toBeInstanceOf(RedirectLimitError)
  })

  it('§15.4: https to http is refused (RedirectDowngradeError) unless allowed', async () => {
    const plain = await rawServer((socket) => void socket.write(reply('plain')))
    const secure = await rawServer(
      (socket) =>
        void socket.write(head('302 Found', `Location: ${plain.url('/x')}`, 'Content-Length: 0')),
      { tls: { cert, key } },
    )
    const client = newClient({ tls: { ca: cert } })
    const error = await rejectionOf(client.get(secure.url('/')))
    expect(error).toBeInstanceOf(RedirectDowngradeError)
    expect(plain.requests).toHaveLength(0)
    const allowed = newClient({ tls: { ca: cert }, redirect: { allowDowngrade: true } })
    expect(await (await allowed.get(secure.url('/'))).text()).toBe('plain')
  })

  it('§15.4: a 3xx without Location, a 300 and a 304 are responses, not redirects', async () => {
    const server = await rawServer((socket, request) => {
      if (request.target === '/none') socket.write(`${head('302 Found', 'Content-Length: 2')}no`)
      else if (request.target === '/multiple')
        socket.write(`${head('300 Multiple Choices', 'Location: /a', 'Content-Length: 2')}mc`)
      else socket.write(head('304 Not Modified', 'Location: /a'))
    })
    const client = newClient()
    const none = await client.get(server.url('/none'))
    expect([none.status, await none.text()]).toEqual([302, 'no'])
    const multiple = await client.get(server.url('/multiple'))
    expect([multiple.status, await multiple.text()]).toEqual([300, 'mc'])
    const notModified = await client.get(server.url('/nm'))
    expect(notModified.status).toBe(304)
    expect(server.requests.map((r) => r.target)).toEqual(['/none', '/multiple', '/nm'])
  })

  it('§10.2.2: an empty Location, or two of them, is not followed: the 3xx is the response', async () => {
    // curl ignores an empty Location ("ignore empty data" in its http.c); with several it
    // takes the first, where we do not guess.
    const server = await rawServer((socket, request) => {
      if (request.target === '/empty')
        socket.write(head('302 Found', 'Location: ', 'Content-Length: 0'))
      else socket.write(head('302 Found', 'Location: /a', 'Location: /b', 'Content-Length: 0'))
    })
    const client = newClient()
    const empty = await client.get(server.url('/empty'))
    const two = await client.get(server.url('/two'))
    expect([empty.status, two.status]).toEqual([302, 302])
    expect(server.requests.map((r) => r.target)).toEqual(['/empty', '/two'])
  })

  it('§10.2.2: a Location that is not an http(s) URL is a typed error', async () => {
    const server = await rawServer((socket, request) => {
      const location = request.target === '/ftp' ? 'ftp://127.0.0.1/x' : 'http://[bad'
      socket.write(head('302 Found', `Location: ${location}`, 'Content-Length: 0'))
    })
    const client = newClient()
    expect(await rejectionOf(client.get(server.url('/ftp')))).toBeInstanceOf(InvalidUrlError)
    expect(await rejectionOf(client.get(server.url('/bad')))).toBeInstanceOf(InvalidUrlError)
  })

  it('a redirect with `redirect: false` is returned as it is', async () => {
    const server = await redirecting(301, () => '/to')
    const client = newClient({ redirect: false })
    const response = await client.get(server.url('/from'))
    expect(response.status).toBe(301)
    expect(response.headers.location).toBe('/to')
    expect(await response.text()).toBe('gone')
  })
})

describe('RFC 9110 §10.2.3 and §9.2.2: Retry-After, on idempotent methods only', () => {
  /** A server that answers `status` with `Retry-After: value` the first time per path, then 200. */
  function busy(status: number, value: () => string) {
    const seen = new Set<string>()
    return rawServer((socket, request) => {
      if (seen.has(request.target)) {
        socket.write(reply(`${request.method} ok`))
        return
      }
      seen.add(request.target)
      socket.write(`${head(`${status} Busy`, `Retry-After: ${value()}`, 'Content-Length: 4')}busy`)
    })
  }

  for (const status of [503, 429]) {
    it(`${status} with Retry-After: 0 (delay-seconds) is retried`, async () => {
      const server = await busy(status, () => '0')
      const client = newClient({ retry: { limit: 2 } })
      const response = await client.get(server.url('/'))
      expect([response.status, await response.text(), response.attempts]).toEqual([
        200,
        'GET ok',
        2,
      ])
      // The retry reused the kept-alive connection.
      expect(server.requests.map((r) => r.connection)).toEqual([1, 1])
    })

    it(`${status} with Retry-After as an HTTP-date in the past is retried at once`, async () => {
      const server = await busy(status, () => new Date(Date.now() - 60_000).toUTCString())
      const client = newClient({ retry: { limit: 2 } })
      const response = await client.get(server.url('/'))
      expect([response.status, response.attempts]).toEqual([200, 2])
      await response.release()
    })

    it(`${status} asking to wait longer than retry.maxDelay is reported, not waited for (seconds and date)`, async () => {
      // got's maxRetryAfter: a wait longer than the bound is not a retry; the caller sees it.
      const seconds = await busy(status, () => '3')
      const client = newClient({ retry: { limit: 2, maxDelay: 1000 } })
      const response = await client.get(seconds.url('/'))
      expect([response.status, response.attempts, response.headers['retry-after']]).toEqual([
        status,
        1,
        '3',
      ])
      await response.release()
      const dated = await busy(status, () => new Date(Date.now() + 3_600_000).toUTCString())
      const later = await client.get(dated.url('/'))
      expect([later.status, later.attempts]).toEqual([status, 1])
      await later.release()
    })
  }

  it('§10.2.3: Retry-After: 1 is waited for, then the request is retried', async () => {
    const server = await busy(503, () => '1')
    const client = newClient({ retry: { limit: 1 } })
    const response = await client.get(server.url('/'))
    expect([response.status, response.attempts]).toEqual([200, 2])
    await response.release()
  })

  for (const date of ['Thursday, 06-Nov-70 08:49:37 GMT', 'Thu Nov  6 08:49:37 2070']) {
    it(`§5.6.7: Retry-After in the obsolete date form \`${date}\` is read (far off: reported, not retried)`, async () => {
      // Were the date unreadable, the backoff (at most 1 s here) would retry it.
      const server = await busy(503, () => date)
      const client = newClient({ retry: { limit: 1, baseDelay: 1, maxDelay: 1000 } })
      const response = await client.get(server.url('/'))
      expect([response.status, response.attempts]).toEqual([503, 1])
      await response.release()
    })
  }

  it('§9.2.2: PUT, DELETE, HEAD and OPTIONS are retried; POST and PATCH are not', async () => {
    const server = await busy(503, () => '0')
    const client = newClient({ retry: { limit: 1 } })
    for (const method of ['PUT', 'DELETE', 'HEAD', 'OPTIONS']) {
      const response = await client.request(method, server.url(`/${method}`))
      expect([method, response.status, response.attempts]).toEqual([method, 200, 2])
      await response.release()
    }
    for (const method of ['POST', 'PATCH']) {
      const response = await client.request(method, server.url(`/${method}`), { body: 'x' })
      expect([method, response.status, response.attempts]).toEqual([method, 503, 1])
      await response.release()
    }
  })

  it('§10.2.3: an unreadable Retry-After is ignored: the backoff applies', async () => {
    const server = await busy(503, () => 'soon')
    const client = newClient({ retry: { limit: 1, baseDelay: 1 } })
    const response = await client.get(server.url('/'))
    expect([response.status, response.attempts]).toEqual([200, 2])
    await response.release()
  })
})

describe('RFC 9110 §8.4: content codings', () => {
  const text = 'Grüße, café. '.repeat(200)
  const plain = Buffer.from(text)
  const codings: Array<[string, Buffer]> = [
    ['gzip', zlib.gzipSync(plain)],
    ['x-gzip', zlib.gzipSync(plain)],
    ['GZIP', zlib.gzipSync(plain)],
    ['deflate', zlib.deflateSync(plain)],
    ['deflate', zlib.deflateRawSync(plain)],
    ['br', zlib.brotliCompressSync(plain)],
    ['identity', plain],
    ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(plain))],
    ['identity, gzip', zlib.gzipSync(plain)],
  ]
  for (const [index, [coding, bytes]] of codings.entries()) {
    it(`§8.4.1: Content-Encoding \`${coding}\` (#${index}) is decoded; Content-Length is the encoded size`, async () => {
      const server = await rawServer((socket) => {
        socket.write(
          Buffer.concat([
            Buffer.from(
              head('200 OK', `Content-Encoding: ${coding}`, `Content-Length: ${bytes.byteLength}`),
            ),
            bytes,
          ]),
        )
      })
      const client = newClient()
      const response = await client.get(server.url('/'))
      expect(await response.text()).toBe(text)
      expect(response.headers['content-length']).toBe(String(bytes.byteLength))
      // The framing held: the next response on the connection is read whole.
      expect(await (await client.get(server.url('/'))).text()).toBe(text)
      expect(await outcomeOf(server.url('/'))).toMatchObject({
        ok: true,
        value: text,
        size: plain.byteLength,
      })
    })
  }

  it('§8.4: we offer only codings we decode (Accept-Encoding)', async () => {
    const server = await rawServer((socket) => void socket.write(reply('ok')))
    const client = newClient()
    await (await client.get(server.url('/'))).text()
    const offered = server.requests[0]!.header('accept-encoding')!.split(/,\s*/)
    expect(offered).toEqual(expect.arrayContaining(['gzip', 'deflate', 'br']))
    expect(offered.every((coding) => ['gzip', 'deflate', 'br', 'zstd'].includes(coding))).toBe(true)
  })

  it('§8.4.1: an unknown coding is a DecompressionError (unsupported), or raw bytes with decompress off', async () => {
    // The README promises a typed error; with `decompress: false` the bytes are handed over
    // as they came, Content-Encoding included, as curl does without --compressed.
    const server = await rawServer((socket) => {
      socket.write(`${head('200 OK', 'Content-Encoding: compress', 'Content-Length: 4')}LZW!`)
    })
    const client = newClient()
    const error = await rejectionOf(client.get(server.url('/')).then((r) => r.text()))
    expect(error).toBeInstanceOf(DecompressionError)
    expect(error).toMatchObject({ code: 'ASYNCWITH_DECOMPRESSION', reason: 'unsupported' })
    const outcome = await outcomeOf(server.url('/'))
    expect(outcome).toMatchObject({ ok: false, status: 200 })
    const raw = newClient({ decompress: false })
    expect(await (await raw.get(server.url('/'))).text()).toBe('LZW!')
  })

  it('§8.4.1: a corrupt gzip body is a DecompressionError, in both APIs', async () => {
    const server = await rawServer((socket) => {
      socket.write(
        head('200 OK', 'Content-Encoding: gzip', 'Content-Length: 12') +
          'not gzip at all'.slice(0, 12),
      )
    })
    const client = newClient()
    const error = await rejectionOf(client.get(server.url('/')).then((r) => r.text()))
    expect(error).toBeInstanceOf(DecompressionError)
    expect(error).toMatchObject({ reason: 'corrupt' })
    const outcome = await outcomeOf(server.url('/'))
    expect(outcome.ok).toBe(false)
    expect((outcome as { error: unknown }).error).toBeInstanceOf(DecompressionError)
  })

  it('§8.4.1: a gzip stream cut short inside a complete HTTP body is a DecompressionError', async () => {
    const cut = zlib.gzipSync(plain).subarray(0, 40)
    const server = await rawServer((socket) => {
      socket.write(
        Buffer.concat([
          Buffer.from(
            head('200 OK', 'Content-Encoding: gzip', `Content-Length: ${cut.byteLength}`),
          ),
          cut,
        ]),
      )
    })
    const client = newClient()
    const error = await rejectionOf(client.get(server.url('/')).then((r) => r.text()))
    expect(error).toBeInstanceOf(DecompressionError)
  })

  it('§8.4.1: an empty body with Content-Encoding: gzip is empty (as browsers read it)', async () => {
    const server = await rawServer((socket) => {
      socket.write(head('200 OK', 'Content-Encoding: gzip', 'Content-Length: 0'))
    })
    const client = newClient()
    expect(await (await client.get(server.url('/'))).text()).toBe('')
  })

  it('§8.4.1: HEAD, 204 and 304 with a Content-Encoding have no body to decode', async () => {
    const server = await rawServer((socket, request) => {
      if (request.method === 'HEAD')
        socket.write(head('200 OK', 'Content-Encoding: gzip', 'Content-Length: 30'))
      else socket.write(head('304 Not Modified', 'Content-Encoding: gzip'))
    })
    const client = newClient()
    expect(await (await client.head(server.url('/'))).text()).toBe('')
    expect(await (await client.get(server.url('/'))).text()).toBe('')
  })

  it('§8.4.1: more than two stacked codings are refused (a bound of ours, as aiohttp and curl have)', async () => {
    const bytes = zlib.gzipSync(zlib.gzipSync(zlib.gzipSync(plain)))
    const server = await rawServer((socket) => {
      socket.write(
        Buffer.concat([
          Buffer.from(
            head(
              '200 OK',
              'Content-Encoding: gzip, gzip, gzip',
              `Content-Length: ${bytes.byteLength}`,
            ),
          ),
          bytes,
        ]),
      )
    })
    const client = newClient()
    const error = await rejectionOf(client.get(server.url('/')).then((r) => r.text()))
    expect(error).toMatchObject({ code: 'ASYNCWITH_DECOMPRESSION', reason: 'encodings' })
  })
})

describe('RFC 9110 §15: status codes', () => {
  function status(line: string) {
    return rawServer((socket) => void socket.write(`${head(line, 'Content-Length: 4')}body`))
  }

  it('§15: an unknown 2xx (299) is a success of its class', async () => {
    // `statusText` is the registered phrase, never the server's (RFC 9112 §4: a client
    // SHOULD ignore the reason-phrase), so an unregistered code has none.
    const server = await status('299 Custom')
    const client = newClient()
    const response = await client.get(server.url('/'), { throwOnStatus: true })
    expect([response.status, response.ok, response.statusText, await response.text()]).toEqual([
      299,
      true,
      '',
      'body',
    ])
    expect(await outcomeOf(server.url('/'))).toMatchObject({ ok: true, status: 299, value: 'body' })
  })

  it('§15: an unknown 5xx (599) is a server error of its class: not ok, an HttpStatusError with throwOnStatus', async () => {
    const server = await status('599 Custom')
    const client = newClient()
    const response = await client.get(server.url('/'))
    expect([response.status, response.ok]).toEqual([599, false])
    await response.release()
    const error = await rejectionOf(client.get(server.url('/'), { throwOnStatus: true }))
    expect(error).toBeInstanceOf(HttpStatusError)
    expect(error).toMatchObject({ status: 599 })
    // fetchAll: any status is a response.
    expect(await outcomeOf(server.url('/'))).toMatchObject({ ok: true, status: 599 })
  })

  it("§15: an unknown 5xx is retried as a 500 would be (treated as its class's x00)", async () => {
    // "A client MUST ... treat an unrecognized status code as being equivalent to the x00
    // status code of that class": 500 is retried, so 599 (and Cloudflare's 520-527) are.
    const seen = new Set<string>()
    const server = await rawServer((socket, request) => {
      if (seen.has(request.target)) socket.write(reply('ok'))
      else {
        seen.add(request.target)
        socket.write(head('599 Custom', 'Content-Length: 0'))
      }
    })
    const client = newClient({ retry: { limit: 1, baseDelay: 1 } })
    const response = await client.get(server.url('/'))
    expect([response.status, response.attempts]).toEqual([200, 2])
    await response.release()
  })

  it('§15.2: an unknown 1xx (199) before the final response is skipped as informational', async () => {
    const server = await rawServer((socket) => {
      socket.write(
        `HTTP/1.1 199 Whatever\r\nX-Info: 1\r\n\r\n${head('200 OK', 'Content-Length: 2')}ok`,
      )
    })
    const client = newClient()
    const response = await client.get(server.url('/'))
    expect([response.status, response.headers['x-info'], await response.text()]).toEqual([
      200,
      undefined,
      'ok',
    ])
  })

  for (const line of ['600 Too High', '099 Too Low']) {
    it(`§15: a status outside 100-599 (${line}) is not valid HTTP`, async () => {
      const server = await status(line)
      const outcome = await outcomeOf(server.url('/'))
      expect(outcome.ok).toBe(false)
      expect((outcome as { error: unknown }).error).toMatchObject({
        code: 'ASYNCWITH_CONNECTION',
        kind: 'protocol',
      })
    })
  }
})
