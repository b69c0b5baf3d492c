import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { type CliRecord, parseRecords, runCli } from '../_helpers/cli.js'
import { head } from '../_helpers/raw-http-server.js'
import { reply, useRaw } from './_rfc-fixtures.js'

// `asyncwith fetch` against one raw server that misbehaves a different way on each path
// (RFC 9110 and RFC 9112): every URL gets its record, each failure its typed code, the good
// ones their bodies, and the exit code says some failed.

const { server: rawServer } = useRaw()

const gz = gzipSync(Buffer.from('decoded'))

describe('asyncwith fetch against a misbehaving server', () => {
  it('writes one record per URL with the RFC outcome of each, and exits 1', async () => {
    const server = await rawServer((socket, request) => {
      switch (request.target) {
        case '/ok':
          socket.write(reply('fine'))
          break
        case '/te-and-cl': // RFC 9112 §6.3 (3)
          socket.write(
            `${head('200 OK', 'Content-Length: 3', 'Transfer-Encoding: chunked')}5\r\nhello\r\n0\r\n\r\n`,
          )
          break
        case '/two-lengths': // RFC 9112 §6.3 (5)
          socket.write(`${head('200 OK', 'Content-Length: 2', 'Content-Length: 3')}abc`)
          break
        case '/short': // RFC 9112 §8
          socket.end(`${head('200 OK', 'Content-Length: 50', 'Connection: close')}short`)
          break
        case '/bad-status': // RFC 9112 §4
          socket.end('HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n')
          break
        case '/gzip': // RFC 9110 §8.4.1
          socket.write(
            Buffer.concat([
              Buffer.from(
                head('200 OK', 'Content-Encoding: gzip', `Content-Length: ${gz.byteLength}`),
              ),
              gz,
            ]),
          )
          break
        case '/corrupt': // RFC 9110 §8.4.1
          socket.write(`${head('200 OK', 'Content-Encoding: gzip', 'Content-Length: 4')}junk`)
          break
        case '/redirect': // RFC 9110 §10.2.2
          socket.write(head('302 Found', 'Location: /ok', 'Content-Length: 0'))
          break
        default:
          socket.write(head('599 Custom', 'Content-Length: 0'))
      }
    })
    const paths = [
      '/ok',
      '/te-and-cl',
      '/two-lengths',
      '/short',
      '/bad-status',
      '/gzip',
      '/corrupt',
      '/redirect#part',
      '/unknown',
    ]
    const { code, stdout, stderr } = await runCli(
      ['fetch', '--retries', '0', '--quiet', ...paths.map((path) => server.url(path))],
      { timeout: 30_000 },
    )
    const records = new Map<string, CliRecord>(
      parseRecords(stdout).map((record) => [new URL(record.input).pathname, record]),
    )
    expect(records.size, stderr).toBe(paths.length)
    expect(code).toBe(1)
    expect(records.get('/ok')).toMatchObject({ ok: true, status: 200, body: 'fine' })
    for (const path of ['/te-and-cl', '/two-lengths', '/bad-status', '/short']) {
      expect(records.get(path), path).toMatchObject({
        ok: false,
        error: { code: 'ASYNCWITH_CONNECTION' },
      })
    }
    expect(records.get('/gzip')).toMatchObject({ ok: true, body: 'decoded', bytes: 7 })
    expect(records.get('/corrupt')).toMatchObject({
      ok: false,
      status: 200,
      error: { code: 'ASYNCWITH_DECOMPRESSION' },
    })
    expect(records.get('/redirect')).toMatchObject({
      ok: true,
      final_url: server.url('/ok#part'),
      body: 'fine',
    })
    // A response of an unknown 5xx: a record with its status, not ok (status >= 400).
    expect(records.get('/unknown')).toMatchObject({ ok: false, status: 599 })
  }, 40_000)
})
