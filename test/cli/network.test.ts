import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRecords, runCli } from '../_helpers/cli.js'
import { startTestServer, type TestServer } from '../_helpers/http-server.js'
import { type ProxyServer, startProxyServer } from '../_helpers/proxy-server.js'

// The CLI's network flags end to end: proxies (from the environment by default, as curl
// does, or --proxy), --noproxy, and --cacert; every server on loopback.
const certPath = new URL('../_helpers/tls/cert.pem', import.meta.url).pathname
const keyPath = new URL('../_helpers/tls/key.pem', import.meta.url).pathname

let origin: TestServer
let proxy: ProxyServer
let https: Server
let httpsUrl = ''
let dir = ''

/** No proxy variable of the machine running the tests leaks into a run. */
const clean = {
  http_proxy: undefined,
  HTTP_PROXY: undefined,
  https_proxy: undefined,
  HTTPS_PROXY: undefined,
  all_proxy: undefined,
  ALL_PROXY: undefined,
  no_proxy: undefined,
  NO_PROXY: undefined,
}

beforeAll(async () => {
  origin = await startTestServer()
  proxy = await startProxyServer()
  https = createServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) }, (_q, r) =>
    r.end('secure'),
  )
  https.listen(0, '127.0.0.1')
  await once(https, 'listening')
  httpsUrl = `https://127.0.0.1:${(https.address() as AddressInfo).port}/`
  dir = mkdtempSync(join(tmpdir(), 'asyncwith-cli-network-'))
})

afterAll(async () => {
  await origin.close()
  await proxy.close()
  https.closeAllConnections()
  await new Promise((resolve) => https.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

describe('asyncwith fetch network options', () => {
  it('honours http_proxy from the environment by default, as curl does', async () => {
    const before = proxy.seen.length
    const url = origin.url('/text?env')
    const { code, stdout } = await runCli(['fetch', '-q', '--body', 'none', url], {
      env: { ...clean, http_proxy: proxy.url },
    })
    expect([code, parseRecords(stdout)[0]?.status]).toEqual([0, 200])
    expect(proxy.seen.slice(before).map((seen) => seen.target)).toEqual([url])
  })

  it('goes direct for hosts in --noproxy, or with --proxy ""', async () => {
    const before = proxy.seen.length
    const url = origin.url('/text?direct')
    const env = { ...clean, HTTP_PROXY: proxy.url }
    const runs = await Promise.all([
      runCli(['fetch', '-q', '--noproxy', 'localhost,127.0.0.1', url], { env }),
      runCli(['fetch', '-q', '--proxy', '', url], { env }),
    ])
    expect(runs.map((run) => run.code)).toEqual([0, 0])
    expect(proxy.seen.length).toBe(before)
  })

  it('sends everything through --proxy URL', async () => {
    const before = proxy.seen.length
    const url = origin.url('/text?flag')
    const { code } = await runCli(['fetch', '-q', '--proxy', proxy.url, url], { env: clean })
    expect(code).toBe(0)
    expect(proxy.seen.slice(before).map((seen) => seen.target)).toEqual([url])
  })

  it('trusts the authorities of --cacert FILE', async () => {
    const [trusted, untrusted] = await Promise.all([
      runCli(['fetch', '-q', '--cacert', certPath, httpsUrl], { env: clean }),
      runCli(['fetch', '-q', '--retries', '0', httpsUrl], { env: clean }),
    ])
    expect([trusted.code, parseRecords(trusted.stdout)[0]?.body]).toEqual([0, 'secure'])
    expect([untrusted.code, parseRecords(untrusted.stdout)[0]?.error?.code]).toEqual([
      1,
      'ASYNCWITH_CONNECTION',
    ])
  })

  it('is a usage error (exit 2) for a bad --proxy, a bad proxy variable or a missing --cacert', async () => {
    const missing = join(dir, 'missing.pem')
    const runs = await Promise.all([
      runCli(['fetch', '--proxy', 'ftp://proxy.test', 'http://127.0.0.1:1/'], { env: clean }),
      runCli(['fetch', 'http://127.0.0.1:1/'], { env: { ...clean, https_proxy: 'socks5://x' } }),
      runCli(['fetch', '--cacert', missing, 'http://127.0.0.1:1/'], { env: clean }),
    ])
    expect(runs.map((run) => run.code)).toEqual([2, 2, 2])
    expect(runs[0]?.stderr).toContain('--proxy must be an http: or https: URL')
    expect(runs[1]?.stderr).toContain('`https_proxy`')
    expect(runs[2]?.stderr).toContain(`cannot read --cacert '${missing}'`)
  })
})
