// The record format of `asyncwith fetch`: one outcome → one JSON line, with a fixed field
// order, the recorded headers, the field docs `--help` prints, and the safe naming of
// `--body-dir` files. Only additions may change it: users' scripts read these lines.
import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import type { FetchOutcome } from '../http/index.js'
import { bodyText } from './body-text.js'
import type { InputEntry } from './input.js'

/** How `fetch` records bodies: inline as text (base64 when not text) or base64, or not at all. */
export type BodyMode = 'text' | 'base64' | 'none'

/** Selected response headers copied into each record. */
export const RECORDED_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'etag',
  'last-modified',
] as const

/** The "Records" section of `--help`: every field, in the order records write them. */
export const RECORD_FIELDS_HELP = `Records (one JSON object per line, snake_case, fields in this order; absent ones left out):
  line          input line number (for URL arguments, their position), from 1
  input         the line as read, trimmed
  url           the URL requested (normalized); absent when the input is not a URL
  final_url     the URL after redirects (of the last try, for a failure)
  ok            true when there was a response with status < 400
  status        HTTP status (also on a failure whose headers arrived, such as a body too large)
  headers       ${RECORDED_HEADERS.join(', ')} (those present)
  bytes         decoded body bytes
  attempts      tries made (1 + retries; a redirect is not a try; 0 for bad input)
  timings       { start, wait, ttfb, total }: start is epoch ms; wait is the ms spent before
                the final try was sent (queueing, rate limit, earlier tries and backoff); ttfb
                the ms from sending the final try to its headers; total the ms of it all
  body          the body as text, decoded per its charset (--body text), or
  body_base64   the body in base64 (--body base64; also with --body text when the body is not
                text: a binary type, or bytes not valid in its charset, never mangled), or
  body_file     its path under --body-dir
  error         { code, message } when no usable response came: ASYNCWITH_INVALID_URL (not
                an http/https URL), ASYNCWITH_BINARY_INPUT (NUL bytes or invalid UTF-8),
                ASYNCWITH_LINE_TOO_LONG, ASYNCWITH_TIMEOUT, ASYNCWITH_CONNECTION,
                ASYNCWITH_REDIRECT_LIMIT, ASYNCWITH_REDIRECT_DOWNGRADE,
                ASYNCWITH_BODY_TOO_LARGE, ASYNCWITH_DECOMPRESSION, ASYNCWITH_BODY_WRITE
  Example:
  {"line":1,"input":"https://example.com/","url":"https://example.com/","final_url":"https://example.com/","ok":true,"status":200,"headers":{"content-type":"text/html"},"bytes":1256,"attempts":1,"timings":{"start":1764000000000,"wait":0,"ttfb":80,"total":95},"body":"<!doctype html>..."}
`

/** A record, as written (snake_case; absent fields are left out). */
export interface FetchRecord {
  line: number
  input: string
  url?: string
  final_url?: string
  ok: boolean
  status?: number
  headers?: Record<string, string>
  bytes: number
  attempts: number
  timings?: { start: number; wait: number; ttfb: number | null; total: number }
  body?: string
  body_base64?: string
  body_file?: string
  error?: { code: string; message: string }
}

/** What a `--body-dir` read left behind: a temporary file, renamed once the line is known. */
export interface SavedBody {
  readonly tempPath: string
  readonly bytes: number
}

/** What the command knows besides the outcome. */
export interface RecordContext {
  readonly body: BodyMode
  /** Set with `--body-dir`: the body's final path (already renamed), or the rename error. */
  readonly bodyFile?: { readonly path: string; readonly bytes: number } | { readonly error: Error }
}

/**
 * The `--body-dir` file name of an input: its line number and a hash of line and text. It is
 * made only of digits, hex and `-`, so no URL can steer it outside the directory.
 */
export function bodyFileName(line: number, input: string): string {
  const digest = createHash('sha1').update(`${line}\n${input}`).digest('hex').slice(0, 12)
  return `${String(line).padStart(6, '0')}-${digest}.body`
}

/** The record of an input line that is not text, or too long. */
export function problemRecord(entry: InputEntry): FetchRecord {
  return {
    line: entry.line,
    input: entry.text,
    ok: false,
    bytes: 0,
    attempts: 0,
    error: { code: entry.problem!.code, message: entry.problem!.message },
  }
}

/** What a response that arrived told, for a success or (headers then a failure) a failure. */
interface Responded {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
}

/**
 * The response part of an outcome: a success's, or a failure's whose headers had arrived (a
 * body too large, a body cut short); `undefined` when no response came.
 */
function respondedOf(outcome: FetchOutcome<unknown>): Responded | undefined {
  if (outcome.ok) return outcome
  const { status, headers } = outcome
  return status === undefined ? undefined : { status, headers: headers ?? {} }
}

/** The body field of an ok record: its name and value, or `undefined` for none. */
function bodyField(
  outcome: FetchOutcome<unknown>,
  context: RecordContext,
): readonly ['body' | 'body_base64' | 'body_file', string] | undefined {
  if (!outcome.ok) return undefined
  const file = context.bodyFile
  if (file !== undefined) return 'error' in file ? undefined : ['body_file', file.path]
  if (context.body === 'none') return undefined
  const bytes = outcome.value as Uint8Array
  if (context.body === 'text') {
    const text = bodyText(bytes, outcome.headers['content-type'])
    if (text !== undefined) return ['body', text]
  }
  return [
    'body_base64',
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  ]
}

/**
 * The record of a fetched input, its fields in the documented order. The command writes
 * {@link outcomeLine}, its JSON text built directly; this object form is its specification
 * (a property test checks that the two agree).
 */
export function outcomeRecord(
  entry: InputEntry,
  outcome: FetchOutcome<unknown>,
  context: RecordContext,
): FetchRecord {
  const url = normalizedUrl(entry.text)
  const finalUrl = outcome.ok || url !== undefined ? outcome.url : undefined
  const file = outcome.ok ? context.bodyFile : undefined
  const fileError = file !== undefined && 'error' in file ? file.error : undefined
  const error = outcome.ok ? fileError : outcome.error
  const responded = respondedOf(outcome)
  const { start, wait, ttfb, total } = outcome.timings
  const record: FetchRecord = { line: entry.line, input: entry.text } as FetchRecord
  if (url !== undefined) record.url = url
  if (finalUrl !== undefined) record.final_url = finalUrl
  record.ok = outcome.ok && outcome.status < 400 && error === undefined
  if (responded !== undefined) {
    record.status = responded.status
    record.headers = selectHeaders(responded.headers)
  }
  record.bytes =
    file !== undefined && !('error' in file) ? file.bytes : outcome.ok ? outcome.size : 0
  record.attempts = outcome.attempts
  record.timings = { start, wait, ttfb: ttfb ?? null, total }
  const body = error === undefined ? bodyField(outcome, context) : undefined
  if (body !== undefined) record[body[0]] = body[1]
  if (error !== undefined) record.error = errorOf(error)
  return record
}

/**
 * What {@link outcomeLine} and {@link problemLine} tell the command besides the text: filled
 * in place, so writing a record allocates nothing but its JSON text.
 */
export interface RecordFacts {
  ok: boolean
  status: number | undefined
  errorCode: string | undefined
  bytes: number
}

/** The record of an input line that is not text, or too long, as a JSON line (no newline). */
export function problemLine(entry: InputEntry, facts: RecordFacts): string {
  const record = problemRecord(entry)
  facts.ok = false
  facts.status = undefined
  facts.errorCode = record.error!.code
  facts.bytes = 0
  return JSON.stringify(record)
}

/**
 * `JSON.stringify(outcomeRecord(entry, outcome, context))`, built directly: the same fields,
 * order and escaping (every string through `JSON.stringify`), without the record object.
 */
export function outcomeLine(
  entry: InputEntry,
  outcome: FetchOutcome<unknown>,
  context: RecordContext,
  facts: RecordFacts,
): string {
  const text = entry.text
  const input = JSON.stringify(text)
  const url = normalizedUrl(text)
  let json = `{"line":${num(entry.line)},"input":${input}`
  let urlJson: string | undefined
  if (url !== undefined) {
    urlJson = url === text ? input : JSON.stringify(url)
    json += `,"url":${urlJson}`
  }
  const finalUrl = outcome.ok || url !== undefined ? outcome.url : undefined
  if (finalUrl !== undefined) {
    json += `,"final_url":${finalUrl === url ? urlJson : finalUrl === text ? input : JSON.stringify(finalUrl)}`
  }
  const file = outcome.ok ? context.bodyFile : undefined
  const fileError = file !== undefined && 'error' in file ? file.error : undefined
  const error = outcome.ok ? fileError : outcome.error
  const ok = outcome.ok && outcome.status < 400 && error === undefined
  json += ok ? ',"ok":true' : ',"ok":false'
  const responded = respondedOf(outcome)
  if (responded !== undefined) {
    json += `,"status":${num(responded.status)},"headers":${headersJson(responded.headers)}`
  }
  const bytes =
    file !== undefined && !('error' in file) ? file.bytes : outcome.ok ? outcome.size : 0
  const { start, wait, ttfb, total } = outcome.timings
  json += `,"bytes":${num(bytes)},"attempts":${num(outcome.attempts)},"timings":{"start":${num(start)},"wait":${num(wait)},"ttfb":${ttfb === undefined ? 'null' : num(ttfb)},"total":${num(total)}}`
  if (error === undefined) {
    const body = bodyField(outcome, context)
    if (body !== undefined) json += property(body[0], body[1])
  }
  let errorCode: string | undefined
  if (error !== undefined) {
    const { code, message } = errorOf(error)
    errorCode = code
    const messageJson = JSON.stringify(message)
    json += `,"error":{"code":${JSON.stringify(code)}${messageJson === undefined ? '' : `,"message":${messageJson}`}}`
  }
  facts.ok = ok
  // A failure with a status counts under its error only, so the summary's parts add up.
  facts.status = outcome.ok ? outcome.status : undefined
  facts.errorCode = errorCode
  facts.bytes = bytes
  return `${json}}`
}

/** A number as `JSON.stringify` writes it. */
function num(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null'
}

/** `,"key":value` as `JSON.stringify` writes an object's property; nothing for `undefined`. */
function property(key: string, value: unknown): string {
  const json = JSON.stringify(value)
  return json === undefined ? '' : `,"${key}":${json}`
}

/** The `headers` of a record, as `JSON.stringify(selectHeaders(headers))` writes it. */
function headersJson(headers: Readonly<Record<string, string | string[] | undefined>>): string {
  let json = ''
  for (const name of RECORDED_HEADERS) {
    const value = headers[name]
    if (value !== undefined) {
      json += property(name, Array.isArray(value) ? value.join(', ') : value)
    }
  }
  return json === '' ? '{}' : `{${json.slice(1)}}`
}

function errorOf(error: Error & { code?: unknown }): { code: string; message: string } {
  const code = typeof error.code === 'string' ? error.code : 'ASYNCWITH_UNEXPECTED'
  return { code, message: error.message || error.name }
}

function normalizedUrl(text: string): string | undefined {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined
  } catch {
    return undefined
  }
}

function selectHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of RECORDED_HEADERS) {
    const value = headers[name]
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}
