// Command-line parsing for `asyncwith`: argv → a checked, typed command, or a UsageError whose
// one-line message main.ts prints before `Try 'asyncwith --help'.` and exit code 2.
import { parseArgs } from 'node:util'
import { DEFAULT_CONCURRENCY } from '../iter/index.js'
import { UsageError } from './errors.js'

/** How `fetch` records bodies: inline as text or base64, or not at all. */
export type BodyMode = 'text' | 'base64' | 'none'

/** Everything `asyncwith fetch` needs, checked. */
export interface FetchOptions {
  /** URLs given as arguments (used when `input` is undefined). */
  readonly urls: readonly string[]
  /** `-i FILE`: a path, or `'-'` for stdin. */
  readonly input: string | undefined
  /** `-o FILE`: a path; undefined writes to stdout. */
  readonly output: string | undefined
  readonly concurrency: number
  /** Requests in flight per host name; `Infinity` for no limit. */
  readonly perHost: number
  /** Retries after the first try. */
  readonly retries: number
  /** Whole-request time limit in ms, or `false` for none. */
  readonly timeout: number | false
  /** A token bucket per host: `rate` requests every `per` ms. */
  readonly rate: { readonly rate: number; readonly per: number } | undefined
  /** Request headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>
  readonly method: string
  /** Most decoded body bytes, or `false` for no limit. */
  readonly maxBody: number | false
  readonly ordered: boolean
  readonly body: BodyMode
  /** `--body-dir DIR`: bodies go to files there instead of into the records. */
  readonly bodyDir: string | undefined
  readonly resume: boolean
  readonly quiet: boolean
  /** `--queue redis://host:port/JOB`: coordinate a job that `asyncwith worker`s fetch. */
  readonly queue?: string | undefined
}

/** What the command line asks for. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'fetch'; readonly options: FetchOptions }
  | { readonly kind: 'demo'; readonly args: readonly string[] }
  | { readonly kind: 'worker' | 'status'; readonly args: readonly string[] }

/** Defaults of `fetch`, also for callers (such as `demo`) that build options in code. */
export const FETCH_DEFAULTS: FetchOptions = {
  urls: [],
  input: undefined,
  output: undefined,
  concurrency: DEFAULT_CONCURRENCY,
  perHost: Number.POSITIVE_INFINITY,
  retries: 2,
  timeout: false,
  rate: undefined,
  headers: {},
  method: 'GET',
  maxBody: 64 * 1024 * 1024,
  ordered: false,
  body: 'text',
  bodyDir: undefined,
  resume: false,
  quiet: false,
}

/** Selected response headers copied into each record. */
export const RECORDED_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'etag',
  'last-modified',
] as const

export const HELP = `Usage: asyncwith fetch [options] [URL...]
       asyncwith fetch [options] -i FILE
       asyncwith demo [--pages N] [-o FILE] [--concurrency N] [-q]
       asyncwith worker redis://HOST:PORT/JOB [--concurrency N] [--max-owned N] [--lease TIME] [--follow]
       asyncwith status redis://HOST:PORT/JOB
       asyncwith --help | --version

Fetches every URL (arguments, or one per line of FILE; - is stdin) and writes one JSON line
per URL to stdout or -o FILE. Blank lines and lines starting with # are skipped; the input
is streamed, so files of millions of lines are fine.

Input and output:
  -i, --input FILE        read URLs from FILE, one per line; - reads stdin
                            asyncwith fetch -i urls.txt
  -o, --output FILE       write records to FILE instead of stdout (replaced unless --resume)
                            asyncwith fetch -i urls.txt -o out.jsonl
      --resume            continue a run killed or interrupted earlier: keep the records
                          already in -o FILE (a torn last line is dropped) and fetch only the
                          inputs not recorded there (same line number and same text);
                          the exit status then counts this run's URLs
                            asyncwith fetch -i urls.txt -o out.jsonl --resume
      --ordered           write records in input order (default: as they finish)
                            asyncwith fetch --ordered https://a.test/ https://b.test/
      --body MODE         text (default: decoded per Content-Type charset), base64, or none
                            asyncwith fetch --body base64 https://example.com/logo.png
      --body-dir DIR      write each body to a file in DIR (created if missing) and record its
                          path as body_file; names are NNNNNN-<sha1 of line and URL>.body, so
                          no URL can name a path outside DIR; not with --body
                            asyncwith fetch -i urls.txt --body-dir bodies/
  -q, --quiet             no progress bar and no summary on stderr (without a terminal
                          there is no bar anyway, only the summary line)
                            asyncwith fetch -q -i urls.txt > out.jsonl

Requests:
  -X, --method METHOD     request method (default GET); only idempotent ones are retried
                            asyncwith fetch -X HEAD https://example.com/
  -H, --header 'N: V'     add a request header; repeatable
                            asyncwith fetch -H 'Accept: application/json' -H 'X-Key: 1' URL
      --concurrency N     requests in flight at once (default ${DEFAULT_CONCURRENCY})
                            asyncwith fetch --concurrency 64 -i urls.txt
      --per-host N        requests in flight per host name (default: no limit)
                            asyncwith fetch --per-host 4 -i urls.txt
      --rate N/UNIT       at most N requests per host per second (s), minute (m) or hour
                          (h), evenly spaced; also N/500ms, N/10s
                            asyncwith fetch --rate 10/s -i urls.txt
      --retries N         retries after the first try, on connection errors and 408, 429,
                          500, 502, 503, 504, with backoff and Retry-After (default 2)
                            asyncwith fetch --retries 5 -i urls.txt
      --timeout TIME      limit on each URL's whole fetch: tries, waits, redirects and body
                          (default: none; connecting has 10s, headers 30s, and a body may
                          pause 30s); TIME is ms, or has a unit: 500ms, 30s, 2m
                            asyncwith fetch --timeout 30s -i urls.txt
      --max-body SIZE     most decoded bytes per body (default 64M); larger bodies are an
                          ASYNCWITH_BODY_TOO_LARGE error; K, M, G are 1024-based
                            asyncwith fetch --max-body 1M -i urls.txt

Beyond one machine (see the README, "Beyond one machine"):
      --queue URL         be the coordinator of a job on Redis (redis://HOST:PORT/JOB): enqueue
                          the input, store the job's options once, and collect the records
                          that \`asyncwith worker URL\` processes (anywhere) commit; --resume
                          continues after a crash. \`asyncwith worker --help\` has the rest
                            asyncwith fetch -i urls.txt -o out.jsonl --queue redis://127.0.0.1:6379/crawl1

Other:
  -h, --help              show this help
                            asyncwith --help
      --version           print the version
                            asyncwith --version

Records (one JSON object per line, snake_case, fields in this order; absent ones left out):
  line          input line number (for URL arguments, their position), from 1
  input         the line as read, trimmed
  url           the URL requested (normalized); absent when the input is not a URL
  final_url     the URL after redirects (of the last try, for a failure)
  ok            true when there was a response with status < 400
  status        HTTP status
  headers       ${RECORDED_HEADERS.join(', ')} (those present)
  bytes         decoded body bytes
  attempts      tries made (1 + retries; a redirect is not a try; 0 for bad input)
  timings       { start (epoch ms), ttfb, total } in ms
  body          the body as text (--body text), or
  body_base64   the body in base64 (--body base64), or
  body_file     its path under --body-dir
  error         { code, message } when no usable response came: ASYNCWITH_INVALID_URL (not
                an http/https URL), ASYNCWITH_BINARY_INPUT (NUL bytes or invalid UTF-8),
                ASYNCWITH_LINE_TOO_LONG, ASYNCWITH_TIMEOUT, ASYNCWITH_CONNECTION,
                ASYNCWITH_REDIRECT_LIMIT, ASYNCWITH_REDIRECT_DOWNGRADE,
                ASYNCWITH_BODY_TOO_LARGE, ASYNCWITH_DECOMPRESSION, ASYNCWITH_BODY_WRITE
  Example:
  {"line":1,"input":"https://example.com/","url":"https://example.com/","final_url":"https://example.com/","ok":true,"status":200,"headers":{"content-type":"text/html"},"bytes":1256,"attempts":1,"timings":{"start":1764000000000,"ttfb":80,"total":95},"body":"<!doctype html>..."}

A URL counts as ok when it got a response with status < 400; a 4xx or 5xx status or an
error counts as failed. Exit status: 0 every URL ok, 1 some failed (counted on stderr),
2 usage error, 130 interrupted (Ctrl-C; the output is complete lines, continue with
--resume). A first Ctrl-C stops reading URLs and lets requests in flight finish for up to
a second; a second Ctrl-C exits at once.

demo runs fetch against a built-in local server, with no network.
`

const FETCH_OPTIONS = {
  input: { type: 'string', short: 'i' },
  output: { type: 'string', short: 'o' },
  resume: { type: 'boolean' },
  ordered: { type: 'boolean' },
  body: { type: 'string' },
  'body-dir': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  method: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  concurrency: { type: 'string' },
  'per-host': { type: 'string' },
  rate: { type: 'string' },
  retries: { type: 'string' },
  timeout: { type: 'string' },
  'max-body': { type: 'string' },
  queue: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Names of every `fetch` option, for tests that check `--help` lists them all. */
export const FETCH_OPTION_NAMES: readonly string[] = Object.keys(FETCH_OPTIONS)

/**
 * Parses the arguments after the program name.
 * @throws {@link UsageError} For anything that cannot run, with a one-line message.
 */
export function parseCommand(argv: readonly string[]): Command {
  const [first, ...rest] = argv
  if (first === undefined) throw new UsageError('missing command: fetch or demo')
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help' }
  if (first === '--version' || first === '-v') return { kind: 'version' }
  // demo parses its own arguments (and has its own --help).
  if (first === 'demo') return { kind: 'demo', args: rest }
  // So do the scale-out commands (src/cli/worker-command.ts, status-command.ts).
  if (first === 'worker' || first === 'status') return { kind: first, args: rest }
  if (first === 'fetch') {
    const options = parseFetch(rest)
    return options === 'help' ? { kind: 'help' } : { kind: 'fetch', options }
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option '${first}' before the command`)
  throw new UsageError(`unknown command '${first}': use fetch or demo`)
}

/** Parses `fetch`'s arguments; `'help'` when `--help` is among them. */
export function parseFetch(args: readonly string[]): FetchOptions | 'help' {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof FETCH_OPTIONS; allowPositionals: true }>
  >
  try {
    parsed = parseArgs({
      args: [...args],
      options: FETCH_OPTIONS,
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    if (args.includes('--help') || args.includes('-h')) return 'help'
    throw new UsageError(parseArgsMessage(error))
  }
  const { values, positionals } = parsed
  if (values.help) return 'help'

  const input = values.input
  if (input !== undefined && input === '') throw new UsageError('empty file name for --input')
  if (input !== undefined && positionals.length > 0) {
    throw new UsageError(
      `give URLs as arguments or with --input, not both (got '${positionals[0]}')`,
    )
  }
  if (input === undefined && positionals.length === 0) {
    throw new UsageError('no URLs: give them as arguments, or with -i FILE (- reads stdin)')
  }
  const output = values.output
  if (output !== undefined && (output === '' || output === '-')) {
    throw new UsageError(`--output needs a file name (records go to stdout without it)`)
  }
  if (values.resume && output === undefined) {
    throw new UsageError('--resume needs -o FILE: it continues the records in that file')
  }

  let body: BodyMode = FETCH_DEFAULTS.body
  if (values.body !== undefined) {
    if (values.body !== 'text' && values.body !== 'base64' && values.body !== 'none') {
      throw new UsageError(`--body must be text, base64 or none, got '${values.body}'`)
    }
    body = values.body
  }
  const bodyDir = values['body-dir']
  if (bodyDir !== undefined) {
    if (bodyDir === '') throw new UsageError('empty directory name for --body-dir')
    if (values.body !== undefined) {
      throw new UsageError(
        '--body and --body-dir cannot be combined: --body-dir writes bodies to files',
      )
    }
    body = 'none'
  }

  return {
    urls: positionals,
    input,
    output,
    concurrency: optional(
      values.concurrency,
      (v) => positiveInt('--concurrency', v, 100_000),
      FETCH_DEFAULTS.concurrency,
    ),
    perHost: optional(
      values['per-host'],
      (v) => positiveInt('--per-host', v, 100_000),
      FETCH_DEFAULTS.perHost,
    ),
    retries: optional(values.retries, (v) => count('--retries', v, 100), FETCH_DEFAULTS.retries),
    timeout: optional(values.timeout, parseDuration, FETCH_DEFAULTS.timeout),
    rate: optional(values.rate, parseRate, FETCH_DEFAULTS.rate),
    headers: parseHeaders(values.header ?? []),
    method: optional(values.method, parseMethod, FETCH_DEFAULTS.method),
    maxBody: optional(values['max-body'], parseSize, FETCH_DEFAULTS.maxBody),
    ordered: values.ordered ?? false,
    body,
    bodyDir,
    resume: values.resume ?? false,
    quiet: values.quiet ?? false,
    ...(values.queue === undefined ? {} : { queue: values.queue }),
  }
}

function optional<T, D>(
  value: string | undefined,
  parse: (value: string) => T,
  fallback: D,
): T | D {
  return value === undefined ? fallback : parse(value)
}

function parseArgsMessage(error: unknown): string {
  const code = (error as { code?: string }).code
  const text = error instanceof Error ? error.message : String(error)
  const firstLine = text.split('\n')[0]!.trim()
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const match = /Unknown option '([^']*)'/.exec(firstLine)
    return `unknown option '${match?.[1] ?? firstLine}'`
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const missing = /^Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(firstLine)
    if (missing) return `${missing[1]} needs a value`
    const noArg = /^Option '(--[\w-]+)' does not take an argument/.exec(firstLine)
    if (noArg) return `${noArg[1]} takes no value`
    const ambiguous = /^Option '(--?[\w-]+)' argument is ambiguous/.exec(firstLine)
    if (ambiguous) {
      const name = ambiguous[1]!
      const form = name.startsWith('--') ? `${name}=VALUE` : `${name}VALUE`
      return `${name} needs a value; for one starting with '-', write ${form}`
    }
  }
  return firstLine.replace(/\.$/, '')
}

function positiveInt(name: string, text: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`${name} must be a whole number from 1 to ${max}, got '${text}'`)
  }
  return Number(text)
}

function count(name: string, text: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) > max) {
    throw new UsageError(`${name} must be a whole number from 0 to ${max}, got '${text}'`)
  }
  return Number(text)
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** `500`, `500ms`, `1.5s`, `2m`, `1h` → ms. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text)
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']! : Number.NaN
  if (!Number.isFinite(ms) || ms <= 0 || ms > 2_147_483_647) {
    throw new UsageError(
      `--timeout must be a positive time such as 500ms, 30s or 2m, got '${text}'`,
    )
  }
  return Math.ceil(ms)
}

/** `10/s`, `600/m`, `1/h`, `5/500ms`, `3/10s` → `{ rate, per }` (per in ms). */
export function parseRate(text: string): { rate: number; per: number } {
  const match = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)?(ms|s|m|h)$/.exec(text)
  const rate = match ? Number(match[1]) : Number.NaN
  const per = match ? Number(match[2] ?? '1') * DURATION_UNITS[match[3]!]! : Number.NaN
  if (!(rate > 0) || !(per > 0) || !Number.isFinite(rate) || !Number.isFinite(per)) {
    throw new UsageError(`--rate must look like 10/s, 600/m or 5/500ms, got '${text}'`)
  }
  return { rate, per }
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
}

/** `1000`, `512K`, `10M`, `1GiB` → bytes (1024-based units). */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text)
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : Number.NaN
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new UsageError(`--max-body must be a size such as 500K, 10M or 1G, got '${text}'`)
  }
  return bytes
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

function parseMethod(text: string): string {
  if (!TOKEN.test(text))
    throw new UsageError(`-X must be an HTTP method such as GET or HEAD, got '${text}'`)
  return text.toUpperCase()
}

/** `['Name: value', …]` → `{ name: value }`; a later header of the same name wins. */
export function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = colon === -1 ? '' : line.slice(0, colon).trim()
    if (!TOKEN.test(name)) {
      throw new UsageError(`-H must look like 'Name: value', got '${line}'`)
    }
    const value = line.slice(colon + 1).trim()
    if (/[\r\n\0]/.test(value)) {
      throw new UsageError(`-H value of '${name}' cannot hold a line break or NUL`)
    }
    headers[name.toLowerCase()] = value
  }
  return headers
}
