// Command-line parsing for `asyncwith`: argv → a checked, typed command, or a UsageError whose
// one-line message main.ts prints before `Try 'asyncwith --help'.` and exit code 2.
import { parseArgs } from 'node:util'
import { checkHeader, checkMethod } from '../_internal/request-check.js'
import { httpDefaults as HTTP_DEFAULTS } from '../http/index.js'
import { DEFAULT_CONCURRENCY } from '../iter/index.js'
import { UsageError } from './errors.js'
import { usageErrorOf } from './parse-error.js'
import { type BodyMode, RECORD_FIELDS_HELP } from './records.js'

export type { BodyMode } from './records.js'

/** Everything `asyncwith fetch` needs, checked. */
export interface FetchOptions {
  /** URLs given as arguments (used when `input` is undefined). */
  readonly urls: readonly string[]
  /** `-i FILE`: a path, or `'-'` for stdin. */
  readonly input: string | undefined
  /** `-o FILE`: a path; undefined writes to stdout. */
  readonly output: string | undefined
  /** Requests in flight at once; undefined leaves fetchAll's default. */
  readonly concurrency: number | undefined
  /** Requests in flight per host name; undefined leaves the http default (no limit). */
  readonly perHost: number | undefined
  /** Retries after the first try; undefined leaves the http default. */
  readonly retries: number | undefined
  /** Whole-request time limit in ms; undefined leaves the http default (none). */
  readonly timeout: number | undefined
  /** A token bucket per host: `rate` requests every `per` ms. */
  readonly rate: { readonly rate: number; readonly per: number } | undefined
  /** Request headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>
  /** `-X`, upper-cased; undefined is GET, or POST when a body is given (as curl does). */
  readonly method: string | undefined
  /** `-d STRING`: the body of every request. */
  readonly data: string | undefined
  /** `--data-file FILE`: a file whose bytes are the body of every request. */
  readonly dataFile: string | undefined
  /** `--cacert FILE`: PEM certificates to trust instead of the bundled ones. */
  readonly cacert: string | undefined
  /** `--insecure`: do not verify servers' certificates. */
  readonly insecure: boolean
  /** Most decoded body bytes; undefined leaves the http default. */
  readonly maxBody: number | undefined
  readonly ordered: boolean
  readonly body: BodyMode
  /** `--body-dir DIR`: bodies go to files there instead of into the records. */
  readonly bodyDir: string | undefined
  readonly resume: boolean
  readonly quiet: boolean
  /** `--proxy URL`: `'env'` (the default) reads the environment as curl does; `false` is none. */
  readonly proxy: string | false
  /** `--noproxy LIST`: hosts that bypass the proxy, replacing `NO_PROXY`. */
  readonly noProxy: string | undefined
  /** `--http2`: offer HTTP/2 to https: origins. */
  readonly http2: boolean
  /** `--queue redis://host:port/JOB`: coordinate a job that `asyncwith worker`s fetch. */
  readonly queue?: string | undefined
  /** `--redis-patience TIME` (with --queue): how long Redis may be unreachable; ms. */
  readonly redisPatience?: number | undefined
}

/** What the command line asks for. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'fetch'; readonly options: FetchOptions }
  | { readonly kind: 'demo'; readonly args: readonly string[] }
  | { readonly kind: 'failed'; readonly path: string }
  | { readonly kind: 'worker' | 'status'; readonly args: readonly string[] }

/** Defaults of `fetch`, also for callers (such as `demo`) that build options in code. */
export const FETCH_DEFAULTS: FetchOptions = {
  urls: [],
  input: undefined,
  output: undefined,
  concurrency: undefined,
  perHost: undefined,
  retries: undefined,
  timeout: undefined,
  rate: undefined,
  headers: {},
  method: undefined,
  data: undefined,
  dataFile: undefined,
  cacert: undefined,
  insecure: false,
  maxBody: undefined,
  ordered: false,
  body: 'text',
  bodyDir: undefined,
  resume: false,
  quiet: false,
  proxy: 'env',
  noProxy: undefined,
  http2: false,
}

/** `30000` → `30s`, as `--help` shows a time. */
function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

/** `67108864` → `64M`, as `--help` shows a size. */
function size(bytes: number): string {
  for (const [unit, scale] of [
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes % scale === 0) return `${bytes / scale}${unit}`
  }
  return `${bytes}`
}

const { timeout: HTTP_TIMEOUT } = HTTP_DEFAULTS

export const HELP = `Usage: asyncwith fetch [options] [URL...]
       asyncwith fetch [options] -i FILE
       asyncwith failed RECORDS_FILE
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
                          inputs not recorded there; FILE must hold only records of this
                          same input (else exit 2, nothing written); the exit status then
                          counts this run's URLs
                            asyncwith fetch -i urls.txt -o out.jsonl --resume
      --ordered           write records in input order (default: as they finish)
                            asyncwith fetch --ordered https://a.test/ https://b.test/
      --body MODE         text (default: decoded per Content-Type charset; a body that is not
                          text goes to body_base64), base64, or none
                            asyncwith fetch --body base64 https://example.com/logo.png
      --body-dir DIR      write each body to a file in DIR (created if missing) and record its
                          path as body_file; names are NNNNNN-HHHHHHHHHHHH.body (the line
                          number, then 12 hex digits of a SHA-1 of line and URL), so no URL
                          can name a path outside DIR; not with --body
                            asyncwith fetch -i urls.txt --body-dir bodies/
  -q, --quiet             no progress bar and no summary on stderr (without a terminal
                          there is no bar anyway, only the summary line)
                            asyncwith fetch -q -i urls.txt > out.jsonl

Requests:
  -X, --method METHOD     request method (default GET, or POST with -d or --data-file);
                          only idempotent ones are retried
                            asyncwith fetch -X HEAD https://example.com/
  -H, --header 'N: V'     add a request header; repeatable
                            asyncwith fetch -H 'Accept: application/json' -H 'X-Key: 1' URL
  -d, --data STRING       send STRING as the body of every request (as is, no encoding)
                            asyncwith fetch -d '{"q":1}' -H 'Content-Type: application/json' URL
      --data-file FILE    send the bytes of FILE as the body of every request
                            asyncwith fetch --data-file query.json -i urls.txt
      --concurrency N     requests in flight at once (default ${DEFAULT_CONCURRENCY})
                            asyncwith fetch --concurrency 64 -i urls.txt
      --per-host N        requests in flight per host name (default: no limit)
                            asyncwith fetch --per-host 4 -i urls.txt
      --rate N/UNIT       at most N requests per host per second (s), minute (m) or hour
                          (h), evenly spaced; also N/500ms, N/10s
                            asyncwith fetch --rate 10/s -i urls.txt
      --retries N         retries after the first try, on connection errors and 408, 429,
                          500, 502, 503, 504, with backoff and Retry-After (default ${HTTP_DEFAULTS.retry.limit})
                            asyncwith fetch --retries 5 -i urls.txt
      --timeout TIME      limit on each URL's whole fetch: tries, waits, redirects and body
                          (default: none; connecting has ${seconds(HTTP_TIMEOUT.connect)}, headers ${seconds(HTTP_TIMEOUT.headers)}, and a body may
                          pause ${seconds(HTTP_TIMEOUT.body)}); TIME is ms, or has a unit: 500ms, 30s, 2m
                            asyncwith fetch --timeout 30s -i urls.txt
      --max-body SIZE     most decoded bytes per body (default ${size(HTTP_DEFAULTS.maxBodySize)}); larger bodies are an
                          ASYNCWITH_BODY_TOO_LARGE error; K, M, G are 1024-based
                            asyncwith fetch --max-body 1M -i urls.txt
      --http2             offer HTTP/2 to https: servers (ALPN; HTTP/1.1 when they decline);
                          --concurrency and --per-host then count streams, not sockets
                            asyncwith fetch --http2 -i urls.txt
      --cacert FILE       trust the CA certificates in FILE (PEM) for https, instead of the
                          bundled ones; NODE_EXTRA_CA_CERTS=FILE adds to them instead
                            asyncwith fetch --cacert my-ca.pem https://intranet.test/
      --insecure          do not verify https certificates (for tests only: anyone on the
                          path can then read and change the traffic)
                            asyncwith fetch --insecure https://127.0.0.1:8443/

Proxies (by default, as curl: http_proxy for http: URLs, https_proxy for https: ones,
all_proxy for either, the upper-case names when the lower-case ones are unset, and
no_proxy/NO_PROXY: host names that also match their subdomains, IPs and CIDR ranges,
host:port, or * for all):
      --proxy URL         send every request through this http: or https: proxy (https:
                          URLs by CONNECT); user:password@ in URL is sent to the proxy only;
                          --proxy '' ignores the environment and uses none
                            asyncwith fetch --proxy http://user:pw@proxy.corp:3128 -i urls.txt
      --noproxy LIST      comma-separated hosts that bypass the proxy (replaces no_proxy)
                            asyncwith fetch --noproxy 'localhost,127.0.0.1,.corp' -i urls.txt

Beyond one machine (see the README, "Beyond one machine"):
      --queue URL         be the coordinator of a job on Redis (redis://HOST:PORT/JOB): enqueue
                          the input, store the job's options once, and collect the records
                          that \`asyncwith worker URL\` processes (anywhere) commit; --resume
                          continues after a crash. \`asyncwith worker --help\` has the rest
                            asyncwith fetch -i urls.txt -o out.jsonl --queue redis://127.0.0.1:6379/crawl1
      --redis-patience TIME  with --queue: how long Redis may stay unreachable before the
                          coordinator gives up with exit status 75 (default 5m); --resume
                          continues once Redis is back
                            asyncwith fetch -i urls.txt --queue redis://127.0.0.1:6379/c1 --redis-patience 30m

Other:
  -h, --help              show this help
                            asyncwith --help
      --version           print the version
                            asyncwith --version

${RECORD_FIELDS_HELP}
A URL counts as ok when it got a response with status < 400; a 4xx or 5xx status or an
error counts as failed. Exit status: 0 every URL ok, 1 some failed (counted on stderr),
2 usage error, 130 interrupted (Ctrl-C; the output is complete lines: the summary prints
the command that continues), 141 stdout was closed by its reader (as with | head: quietly).
A first Ctrl-C stops reading URLs and lets requests in flight finish for up to a second; a
second Ctrl-C exits at once.

Re-fetching the failures of a finished run: \`asyncwith failed out.jsonl\` prints the input of
every record that is not ok (one per line, in line order), a new input list:
  asyncwith failed out.jsonl > again.txt && asyncwith fetch -i again.txt -o again.jsonl

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
  data: { type: 'string', short: 'd' },
  'data-file': { type: 'string' },
  cacert: { type: 'string' },
  insecure: { type: 'boolean' },
  concurrency: { type: 'string' },
  'per-host': { type: 'string' },
  rate: { type: 'string' },
  retries: { type: 'string' },
  timeout: { type: 'string' },
  'max-body': { type: 'string' },
  proxy: { type: 'string' },
  noproxy: { type: 'string' },
  http2: { type: 'boolean' },
  queue: { type: 'string' },
  'redis-patience': { type: 'string' },
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
  if (first === 'failed') return { kind: 'failed', path: parseFailed(rest) }
  // So do the scale-out commands (src/cli/worker-command.ts, status-command.ts).
  if (first === 'worker' || first === 'status') return { kind: first, args: rest }
  if (first === 'fetch') {
    const options = parseFetch(rest)
    return options === 'help' ? { kind: 'help' } : { kind: 'fetch', options }
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option '${first}' before the command`)
  throw new UsageError(`unknown command '${first}': use fetch, failed or demo`)
}

/** `failed RECORDS_FILE`: the one records file. */
function parseFailed(args: readonly string[]): string {
  const [path, extra] = args
  if (path === undefined || path === '' || path.startsWith('-')) {
    throw new UsageError('failed needs the records file of a run: asyncwith failed out.jsonl')
  }
  if (extra !== undefined)
    throw new UsageError(`failed takes one records file, got also '${extra}'`)
  return path
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
    throw usageErrorOf(error, args, FETCH_OPTIONS)
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
  const patience = values['redis-patience']
  if (patience !== undefined && values.queue === undefined) {
    throw new UsageError('--redis-patience needs --queue: only a coordinator talks to Redis')
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
  const { data } = values
  const dataFile = values['data-file']
  if (data !== undefined && dataFile !== undefined) {
    throw new UsageError('-d and --data-file cannot be combined: give the body one way')
  }
  if (dataFile === '') throw new UsageError('empty file name for --data-file')
  const cacert = values.cacert
  if (cacert === '') throw new UsageError('empty file name for --cacert')
  if (cacert !== undefined && values.insecure) {
    throw new UsageError(
      '--cacert and --insecure cannot be combined: --insecure trusts any certificate',
    )
  }

  return {
    urls: positionals,
    input,
    output,
    concurrency: optional(values.concurrency, (v) => positiveInt('--concurrency', v, 100_000)),
    perHost: optional(values['per-host'], (v) => positiveInt('--per-host', v, 100_000)),
    retries: optional(values.retries, (v) => count('--retries', v, 100)),
    timeout: optional(values.timeout, parseDuration),
    rate: optional(values.rate, parseRate),
    headers: parseHeaders(values.header ?? []),
    method: optional(values.method, parseMethod),
    data,
    dataFile,
    cacert,
    insecure: values.insecure ?? false,
    maxBody: optional(values['max-body'], parseSize),
    ordered: values.ordered ?? false,
    body,
    bodyDir,
    resume: values.resume ?? false,
    quiet: values.quiet ?? false,
    proxy: values.proxy === undefined ? FETCH_DEFAULTS.proxy : parseProxy(values.proxy),
    noProxy: values.noproxy,
    http2: values.http2 ?? false,
    ...(values.queue === undefined ? {} : { queue: values.queue }),
    ...(patience === undefined
      ? {}
      : { redisPatience: parseDuration(patience, '--redis-patience') }),
  }
}

/** `parse(value)`, or `undefined` (the layer's default applies) when the user gave nothing. */
function optional<T>(value: string | undefined, parse: (value: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value)
}

/** `--proxy URL` (no scheme means http://, as in curl), or `''` for no proxy at all. */
function parseProxy(text: string): string | false {
  if (text.trim() === '') return false
  let url: URL
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`)
  } catch {
    throw new UsageError(
      `--proxy must be an http: or https: URL such as http://proxy:3128, got '${text}'`,
    )
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new UsageError(
      `--proxy must be an http: or https: URL such as http://proxy:3128, got '${text}'`,
    )
  }
  return url.href
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
export function parseDuration(text: string, name = '--timeout'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text)
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']! : Number.NaN
  if (!Number.isFinite(ms) || ms <= 0 || ms > 2_147_483_647) {
    throw new UsageError(`${name} must be a positive time such as 500ms, 30s or 2m, got '${text}'`)
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

/** `-X`, checked as the http layer checks it, so no request fails on it later. */
function parseMethod(text: string): string {
  const method = text.toUpperCase()
  const problem = checkMethod(method)
  if (problem !== undefined) throw new UsageError(`-X '${text}' cannot be sent: ${problem}`)
  return method
}

/**
 * `['Name: value', …]` → `{ name: value }`; a later header of the same name wins. Each is
 * checked as the http layer checks it, so no request fails on it later.
 */
export function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon < 1) throw new UsageError(`-H must look like 'Name: value', got '${line}'`)
    const name = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    const problem = checkHeader(name, value)
    if (problem !== undefined) throw new UsageError(`-H '${line}' cannot be sent: ${problem}`)
    headers[name.toLowerCase()] = value
  }
  return headers
}
