// From `fetch`'s checked options to the http layer's: only what the user gave is passed, so
// every other setting is the http layer's own default (the one `--help` prints).

import { Buffer } from 'node:buffer'
import { readFileSync } from 'node:fs'
import { checkRequestParts } from '../_internal/request-check.js'
import type { FetchAllOptions, FetchRead, HttpClientOptions, HttpResponse } from '../http/index.js'
import type { FetchOptions } from './args.js'
import { saveBody } from './body-files.js'
import { describeFsError, UsageError } from './errors.js'

/**
 * The `HttpClient` options of a run. Reads `--cacert` now, so a missing file is a usage error
 * before any request.
 * @throws {@link UsageError} When the `--cacert` file cannot be read.
 */
export function clientOptionsOf(options: FetchOptions): HttpClientOptions {
  const client: { -readonly [K in keyof HttpClientOptions]: HttpClientOptions[K] } = {
    headers: options.headers,
  }
  if (options.perHost !== undefined) client.perHost = options.perHost
  if (options.retries !== undefined) client.retry = { limit: options.retries }
  if (options.timeout !== undefined) client.timeout = { total: options.timeout }
  if (options.rate !== undefined) {
    client.rateLimit = { rate: options.rate.rate, per: options.rate.per, burst: 1 }
  }
  if (options.maxBody !== undefined) client.maxBodySize = options.maxBody
  if (options.cacert !== undefined) client.tls = { ca: readOption('--cacert', options.cacert) }
  if (options.insecure) client.tls = { rejectUnauthorized: false }
  // As curl: the proxy environment applies unless --proxy says otherwise.
  client.proxy = options.proxy
  if (options.noProxy !== undefined) client.noProxy = options.noProxy
  if (options.http2) client.http2 = true
  return client
}

/**
 * The `fetchAll` options of a run (besides its signal): how many at once, the method and
 * body of every request, and how bodies are read. Reads `--data-file` now, and checks the
 * request as a whole (a `content-length` header must match the body), so no request fails on
 * it later.
 * @throws {@link UsageError} When the `--data-file` file cannot be read, or the request parts
 * do not agree.
 */
export function requestOptionsOf(options: FetchOptions): FetchAllOptions<unknown> {
  const body =
    options.dataFile !== undefined ? readOption('--data-file', options.dataFile) : options.data
  // As curl: a body without -X is a POST.
  const method = options.method ?? (body === undefined ? 'GET' : 'POST')
  const bodyLength =
    body === undefined
      ? undefined
      : typeof body === 'string'
        ? Buffer.byteLength(body)
        : body.length
  const problem = checkRequestParts(method, options.headers, bodyLength)
  if (problem !== undefined) throw new UsageError(`these requests cannot be sent: ${problem}`)
  const request: { -readonly [K in keyof FetchAllOptions<unknown>]: FetchAllOptions<unknown>[K] } =
    { ordered: options.ordered, read: readerFor(options), method }
  if (options.concurrency !== undefined) request.concurrency = options.concurrency
  if (body !== undefined) request.body = body
  return request
}

/** How fetchAll reads bodies for `--body` and `--body-dir`. */
function readerFor(options: FetchOptions): FetchRead<unknown> {
  const dir = options.bodyDir
  if (dir !== undefined) return (response: HttpResponse) => saveBody(dir, response)
  // Text is decided per body from its bytes (records.ts), so both modes read bytes.
  return options.body === 'none' ? 'none' : 'bytes'
}

function readOption(name: string, path: string): Uint8Array {
  try {
    return readFileSync(path)
  } catch (error) {
    throw new UsageError(`cannot read ${name} '${path}': ${describeFsError(error)}`)
  }
}
