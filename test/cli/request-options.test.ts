import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpsServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRecords, runCli } from '../_helpers/cli.js'
import { type EchoBody, startTestServer, type TestServer } from '../_helpers/http-server.js'

// Request bodies (-d, --data-file) and trust (--cacert, --insecure), against real servers on
// 127.0.0.1: an http echo server, and an https one with a self-signed certificate.

const certPath = new URL('../_helpers/tls/cert.pem', import.meta.url)
const cert = readFileSync(certPath, 'utf8')
const key = readFileSync(new URL('../_helpers/tls/key.pem', import.meta.url), 'utf8')

let server: TestServer
let https: Server
let httpsUrl = ''
const dir = mkdtempSync(join(tmpdir(), 'asyncwith-cli-request-'))

beforeAll(async () => {
  server = await startTestServer()
  https = createHttpsServer({ cert, key }, (_request, response) => response.end('secure'))
  https.listen(0, '127.0.0.1')
  await once(https, 'listening')
  httpsUrl = `https://127.0.0.1:${(https.address() as AddressInfo).port}/`
})
afterAll(async () => {
  await server.close()
  https.closeAllConnections()
  await new Promise((resolve) => https.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

const echoes = (stdout: string) =>
  parseRecords(stdout).map((record) => JSON.parse(record.body!) as EchoBody)

describe('request bodies', () => {
  it('sends -d with every request, as a POST when no -X is given (as curl)', async () => {
    const { code, stdout } = await runCli([
      'fetch',
      '-d',
      '{"q":"ü"}',
      '-H',
      'Content-Type: application/json',
      server.url('/echo?a'),
      server.url('/echo?b'),
    ])
    expect(code).toBe(0)
    const seen = echoes(stdout)
    expect(seen).toHaveLength(2)
    for (const echo of seen) {
      expect(echo).toMatchObject({ method: 'POST', body: '{"q":"ü"}' })
      expect(echo.headers['content-type']).toBe('application/json')
    }
  })

  it('sends the bytes of --data-file, with the method -X names', async () => {
    const file = join(dir, 'body.bin')
    const bytes = Buffer.from([0, 1, 2, 0xff, 0x41])
    writeFileSync(file, bytes)
    const { code, stdout } = await runCli([
      'fetch',
      '--data-file',
      file,
      '-X',
      'PUT',
      server.url('/echo'),
    ])
    expect(code).toBe(0)
    const [echo] = echoes(stdout)
    expect(echo).toMatchObject({ method: 'PUT', bodyLength: 5 })
  })

  it('sends no body and GET without -d', async () => {
    const [echo] = echoes((await runCli(['fetch', server.url('/echo')])).stdout)
    expect(echo).toMatchObject({ method: 'GET', bodyLength: 0 })
  })

  it('is a usage error when a Content-Length header does not match the body', async () => {
    const requests = server.requests.length
    const { code, stdout, stderr } = await runCli([
      'fetch',
      '-d',
      'abc',
      '-H',
      'Content-Length: 5',
      server.url('/echo'),
    ])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      "asyncwith: these requests cannot be sent: header `content-length` says 5 but the body has 3 bytes\nTry 'asyncwith --help'.\n",
    )
    expect(server.requests.length).toBe(requests)
  })

  it('is a usage error when --data-file cannot be read, before any request', async () => {
    const requests = server.requests.length
    const { code, stderr } = await runCli([
      'fetch',
      '--data-file',
      join(dir, 'missing.json'),
      server.url('/echo'),
    ])
    expect(code).toBe(2)
    expect(stderr).toBe(
      `asyncwith: cannot read --data-file '${join(dir, 'missing.json')}': no such file\nTry 'asyncwith --help'.\n`,
    )
    expect(server.requests.length).toBe(requests)
  })
})

describe('trusting a server', () => {
  it('refuses a self-signed certificate by default', async () => {
    const { code, stdout } = await runCli(['fetch', httpsUrl])
    expect(code).toBe(1)
    const [record] = parseRecords(stdout)
    expect(record).toMatchObject({ ok: false, error: { code: 'ASYNCWITH_CONNECTION' } })
  })

  it('trusts the CA in --cacert', async () => {
    const { code, stdout } = await runCli(['fetch', '--cacert', certPath.pathname, httpsUrl])
    expect(code).toBe(0)
    expect(parseRecords(stdout)[0]).toMatchObject({ ok: true, status: 200, body: 'secure' })
  })

  it('skips verification with --insecure', async () => {
    const { code, stdout } = await runCli(['fetch', '--insecure', httpsUrl])
    expect(code).toBe(0)
    expect(parseRecords(stdout)[0]).toMatchObject({ ok: true, body: 'secure' })
  })

  it('is a usage error when --cacert cannot be read', async () => {
    const { code, stderr } = await runCli(['fetch', '--cacert', join(dir, 'none.pem'), httpsUrl])
    expect(code).toBe(2)
    expect(stderr).toContain(`cannot read --cacert '${join(dir, 'none.pem')}': no such file`)
  })
})
