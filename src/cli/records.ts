// One outcome → one JSON record, with a fixed field order (see `--help`, "Records"), and the
// safe naming of `--body-dir` files.
import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import type { FetchOutcome } from '../http/index.js'
import { type BodyMode, RECORDED_HEADERS } from './args.js'
import type { InputEntry } from './input.js'

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
  timings?: { start: number; ttfb: number | null; total: number }
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

/**
 * The record of a fetched input, its fields in the documented order. The command writes
 * {@link outcomeLine}, its JSON text built directly; this object form is its specification.
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
  const { start, ttfb, total } = outcome.timings
  const record: FetchRecord = { line: entry.line, input: entry.text } as FetchRecord
  if (url !== undefined) record.url = url
  if (finalUrl !== undefined) record.final_url = finalUrl
  record.ok = outcome.ok && outcome.status < 400 && error === undefined
  if (outcome.ok) {
    record.status = outcome.status
    record.headers = selectHeaders(outcome.headers)
  }
  record.bytes =
    file !== undefined && !('error' in file) ? file.bytes : outcome.ok ? outcome.size : 0
  record.attempts = outcome.attempts
  record.timings = { start, ttfb: ttfb ?? null, total }
  if (outcome.ok && error === undefined) {
    if (file !== undefined && !('error' in file)) record.body_file = file.path
    else if (context.body === 'text') record.body = outcome.value as string
    else if (context.body === 'base64') {
      record.body_base64 = Buffer.from(outcome.value as Uint8Array).toString('base64')
    }
  }
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
  if (outcome.ok) {
    json += `,"status":${num(outcome.status)},"headers":${headersJson(outcome.headers)}`
  }
  const bytes =
    file !== undefined && !('error' in file) ? file.bytes : outcome.ok ? outcome.size : 0
  const { start, ttfb, total } = outcome.timings
  json += `,"bytes":${num(bytes)},"attempts":${num(outcome.attempts)},"timings":{"start":${num(start)},"ttfb":${ttfb === undefined ? 'null' : num(ttfb)},"total":${num(total)}}`
  if (outcome.ok && error === undefined) {
    if (file !== undefined && !('error' in file)) json += property('body_file', file.path)
    else if (context.body === 'text') json += property('body', outcome.value)
    else if (context.body === 'base64') {
      json += property('body_base64', Buffer.from(outcome.value as Uint8Array).toString('base64'))
    }
  }
  let errorCode: string | undefined
  if (error !== undefined) {
    const { code, message } = errorOf(error)
    errorCode = code
    const messageJson = JSON.stringify(message)
    json += `,"error":{"code":${JSON.stringify(code)}${messageJson === undefined ? '' : `,"message":${messageJson}`}}`
  }
  facts.ok = ok
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
