// What a `--queue` coordinator stores with its job: the options of plain `fetch` resolved once,
// with the files they name already read, so every worker (on any machine) applies the same.
import { Buffer } from 'node:buffer'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type FetchOptions, parseFetch } from '../../src/cli/args.js'
import { UsageError } from '../../src/cli/errors.js'
import {
  jobOptionsOf,
  MAX_JOB_DATA,
  workerClientOptions,
  workerRequestOptions,
} from '../../src/cli/queue-job.js'

const certPath = new URL('../_helpers/tls/cert.pem', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'aw-queue-job-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function options(args: string[]): FetchOptions {
  const parsed = parseFetch([...args, '--queue', 'redis://127.0.0.1:6379/j', 'https://a.test/'])
  if (parsed === 'help') throw new Error('help')
  return parsed
}

const gate = { acquire: async () => ({ release() {} }) }

describe('jobOptionsOf', () => {
  it('stores the body as bytes, the method it implies, and the options of plain fetch', () => {
    const job = jobOptionsOf(options(['-d', 'q=é', '--http2', '--body-dir', 'bodies', '--ordered']))
    expect(job).toMatchObject({
      method: 'POST',
      data: Buffer.from('q=é').toString('base64'),
      http2: true,
      insecure: false,
      cacert: null,
      bodyDir: resolve('bodies'),
      body: 'none',
      proxy: 'env',
      noProxy: null,
      ordered: true,
    })
    // A worker sends those bytes, with the same method.
    const request = workerRequestOptions(job)
    expect(request.method).toBe('POST')
    expect(Buffer.from(request.body as Uint8Array).toString()).toBe('q=é')
    expect(typeof request.read).toBe('function') // bodies stream to files under --body-dir
  })

  it('keeps -X over the implied POST, and GET without a body', () => {
    expect(jobOptionsOf(options(['-d', 'x', '-X', 'put'])).method).toBe('PUT')
    expect(jobOptionsOf(options([]))).toMatchObject({ method: 'GET', data: null })
  })

  it('reads --data-file and --cacert once, storing the PEM as text', () => {
    const file = join(dir, 'body.bin')
    writeFileSync(file, Buffer.from([0, 255, 1]))
    const job = jobOptionsOf(options(['--data-file', file, '--cacert', certPath]))
    expect(Buffer.from(job.data!, 'base64')).toEqual(Buffer.from([0, 255, 1]))
    expect(job.cacert).toBe(readFileSync(certPath, 'utf8'))
    expect(workerClientOptions(job, gate).tls).toEqual({ ca: job.cacert })
  })

  it('refuses a body over MAX_JOB_DATA, and accepts one of exactly that size', () => {
    const file = join(dir, 'limit.bin')
    writeFileSync(file, Buffer.alloc(MAX_JOB_DATA))
    expect(jobOptionsOf(options(['--data-file', file])).data).toHaveLength(
      Math.ceil(MAX_JOB_DATA / 3) * 4,
    )
    expect(() => jobOptionsOf(options(['-d', 'x'.repeat(MAX_JOB_DATA + 1)]))).toThrow(
      new UsageError(
        `-d is ${MAX_JOB_DATA + 1} bytes: a --queue job carries at most ${MAX_JOB_DATA} bytes (1M) of request body to its workers`,
      ),
    )
  })

  it("gives workers the job's TLS, proxy and HTTP/2 settings; a job of an earlier version gets plain fetch's defaults", () => {
    const insecure = workerClientOptions(
      jobOptionsOf(options(['--insecure', '--proxy', 'http://p.test:3128', '--noproxy', 'a.test'])),
      gate,
    )
    expect(insecure).toMatchObject({
      tls: { rejectUnauthorized: false },
      proxy: 'http://p.test:3128/',
      noProxy: 'a.test',
    })
    const old = {
      perHost: null,
      rate: null,
      retries: 2,
      timeout: false as const,
      headers: {},
      method: 'GET',
      maxBody: false as const,
      body: 'text' as const,
    }
    const client = workerClientOptions(old, gate)
    expect([client.proxy, client.http2, client.tls]).toEqual(['env', undefined, undefined])
    expect(workerRequestOptions(old)).toEqual({ read: 'bytes', method: 'GET' })
  })
})
