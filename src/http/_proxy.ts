import { Buffer } from 'node:buffer'

// Which proxy, if any, carries a request: the `proxy` and `noProxy` options and the
// environment variables curl reads, as pure functions of their inputs.
//
// Rules follow curl (lib/url.c `detect_proxy`, lib/noproxy.c `Curl_check_noproxy`, and
// docs/cmdline-opts/noproxy.d): for each scheme the lower-case variable is read first, then
// the upper-case one, then `all_proxy`/`ALL_PROXY`; `no_proxy` before `NO_PROXY`; an empty
// variable counts as unset. Two departures, both of which Go's httpproxy and undici's
// EnvHttpProxyAgent make too: `HTTP_PROXY` is honoured when `http_proxy` is unset (curl
// ignores the upper-case form, for CGI), and a `NO_PROXY` entry may carry a port
// (`host:8080` exempts that port only; without one every port is exempt, as in curl).

/** The environment, such as `process.env`. */
export type ProxyEnv = Readonly<Record<string, string | undefined>>

/** One `NO_PROXY` entry, parsed. */
export type NoProxyEntry =
  | { readonly kind: 'host'; readonly name: string; readonly port: string | undefined }
  | {
      readonly kind: 'ip'
      readonly bytes: readonly number[]
      readonly bits: number
      readonly port: string | undefined
    }

/** A parsed `NO_PROXY` list: `'all'` for `*`. */
export type NoProxyList = 'all' | readonly NoProxyEntry[]

/** What decides the proxy of each request. */
export interface ProxySettings {
  /** The proxy for `http:` URLs. */
  readonly http: URL | undefined
  /** The proxy for `https:` URLs. */
  readonly https: URL | undefined
  readonly noProxy: NoProxyList
}

function describe(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return `\`${text}\` (${value === null ? 'null' : typeof value})`
}

/** The first of `names` set to something other than the empty string. */
function firstSet(env: ProxyEnv, names: readonly string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name]
    if (value !== undefined && value.trim() !== '') return [name, value.trim()]
  }
  return undefined
}

/**
 * Parses a proxy URL as curl does: no scheme means `http://`. Only `http:` and `https:`
 * proxies are supported; `name` is what the error message calls the value.
 */
export function parseProxyUrl(value: unknown, name: string): URL {
  const expected = `Expected \`${name}\` to be an http: or https: proxy URL`
  let url: URL
  if (value instanceof URL) url = new URL(value.href)
  else if (typeof value === 'string') {
    const text = value.trim()
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`)
    } catch {
      throw new TypeError(`${expected}, got ${describe(value)}`)
    }
  } else throw new TypeError(`${expected}, got ${describe(value)}`)
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new TypeError(`${expected}, got ${describe(value instanceof URL ? value.href : value)}`)
  }
  return url
}

/** 4 bytes for an IPv4 literal, or undefined. */
function ipv4Bytes(text: string): number[] | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const bytes: number[] = []
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined
    const byte = Number(part)
    if (byte > 255) return undefined
    bytes.push(byte)
  }
  return bytes
}

/** 16 bytes for an IPv6 literal (brackets allowed, IPv4 tail allowed), or undefined. */
function ipv6Bytes(input: string): number[] | undefined {
  let text = input
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1)
  if (!text.includes(':') || text.includes('%')) return undefined
  let tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = ipv4Bytes(text.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    tail = v4
    text = `${text.slice(0, lastColon + 1)}0:0`
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':'))
  const head = groupsOf(halves[0] as string)
  const rest = halves.length === 2 ? groupsOf(halves[1] as string) : []
  const missing = 8 - head.length - rest.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest]
  const bytes: number[] = []
  for (const group of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined
    const value = Number.parseInt(group, 16)
    bytes.push(value >> 8, value & 0xff)
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail)
  return bytes
}

/** The bytes of an IP literal (v4, or v6 with or without brackets), or undefined for a name. */
export function ipBytes(host: string): number[] | undefined {
  return ipv4Bytes(host) ?? ipv6Bytes(host)
}

/** Splits `host:port`, `[v6]:port` and bare hosts; a bare IPv6 literal has no port. */
function splitPort(token: string): { host: string; port: string | undefined } {
  if (token.startsWith('[')) {
    const end = token.indexOf(']')
    if (end !== -1) {
      const after = token.slice(end + 1)
      const port = /^:\d+$/.test(after) ? after.slice(1) : undefined
      return { host: token.slice(1, end), port }
    }
  }
  const colon = token.lastIndexOf(':')
  if (colon !== -1 && token.indexOf(':') === colon && /^\d+$/.test(token.slice(colon + 1))) {
    return { host: token.slice(0, colon), port: token.slice(colon + 1) }
  }
  return { host: token, port: undefined }
}

/**
 * Parses a `NO_PROXY` list: entries separated by commas and blanks; `*` alone means every
 * host; a leading and a trailing dot are ignored (`.example.com` is `example.com`); IP
 * literals, IPv6 ones with or without brackets, may carry a CIDR suffix (`10.0.0.0/8`); an
 * entry may end in `:port`. Matching is case-insensitive. Unreadable entries are skipped,
 * as curl does, so one typo does not send everything through the proxy.
 */
export function parseNoProxy(list: string): NoProxyList {
  if (list.trim() === '*') return 'all'
  const entries: NoProxyEntry[] = []
  for (const raw of list.split(/[\s,]+/)) {
    if (raw === '') continue
    if (raw === '*') return 'all'
    const slash = raw.indexOf('/')
    const { host, port } = splitPort(slash === -1 ? raw : raw.slice(0, slash))
    const bytes = ipBytes(host)
    if (bytes !== undefined) {
      const max = bytes.length * 8
      let bits = max
      if (slash !== -1) {
        const suffix = raw.slice(slash + 1)
        if (!/^\d+$/.test(suffix) || Number(suffix) > max) continue
        bits = Number(suffix)
      }
      entries.push({ kind: 'ip', bytes, bits, port })
      continue
    }
    if (slash !== -1) continue
    const name = host.toLowerCase().replace(/^\./, '').replace(/\.$/, '')
    if (name === '') continue
    entries.push({ kind: 'host', name, port })
  }
  return entries
}

function sameNetwork(a: readonly number[], b: readonly number[], bits: number): boolean {
  if (a.length !== b.length) return false
  for (let bit = 0; bit < bits; bit += 8) {
    const left = bits - bit
    const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff
    const index = bit / 8
    if (((a[index] as number) & mask) !== ((b[index] as number) & mask)) return false
  }
  return true
}

function defaultPort(url: URL): string {
  return url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80'
}

/**
 * Whether `url` is exempt from the proxy under `list`: its host equals an entry or ends
 * with `.` and the entry (`example.com` covers `www.example.com`, not `notexample.com`); an
 * IP literal matches an IP entry of the same family within its CIDR bits.
 */
export function isNoProxy(url: URL, list: NoProxyList): boolean {
  if (list === 'all') return true
  if (list.length === 0) return false
  const hostname = url.hostname.toLowerCase()
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
  const bytes = ipBytes(bare)
  const name = bare.replace(/\.$/, '')
  const port = defaultPort(url)
  for (const entry of list) {
    if (entry.port !== undefined && entry.port !== port) continue
    if (entry.kind === 'ip') {
      if (bytes !== undefined && sameNetwork(bytes, entry.bytes, entry.bits)) return true
    } else if (bytes === undefined) {
      if (name === entry.name || name.endsWith(`.${entry.name}`)) return true
    }
  }
  return false
}

/**
 * The proxy settings from the environment: `http_proxy`/`HTTP_PROXY` for `http:` URLs,
 * `https_proxy`/`HTTPS_PROXY` for `https:` ones, `all_proxy`/`ALL_PROXY` for either when its
 * own is unset, and `no_proxy`/`NO_PROXY`; the lower-case name wins when both are set.
 * `noProxy`, when given, replaces the environment's list (curl's `--noproxy`).
 */
export function proxyFromEnv(env: ProxyEnv, noProxy?: string): ProxySettings {
  const read = (names: readonly string[]): URL | undefined => {
    const found = firstSet(env, names)
    return found === undefined ? undefined : parseProxyUrl(found[1], found[0])
  }
  const all = ['all_proxy', 'ALL_PROXY']
  const list = noProxy ?? firstSet(env, ['no_proxy', 'NO_PROXY'])?.[1] ?? ''
  return {
    http: read(['http_proxy', 'HTTP_PROXY', ...all]),
    https: read(['https_proxy', 'HTTPS_PROXY', ...all]),
    noProxy: parseNoProxy(list),
  }
}

/**
 * Resolves the client's `proxy` and `noProxy` options: `false` or absent for no proxy,
 * `'env'` for the environment (read once, now), or a URL used for both schemes.
 */
export function resolveProxy(
  value: unknown,
  noProxy: unknown,
  env: ProxyEnv,
): ProxySettings | undefined {
  if (noProxy !== undefined && typeof noProxy !== 'string') {
    throw new TypeError(
      `Expected \`noProxy\` to be a comma-separated string, got ${describe(noProxy)}`,
    )
  }
  if (value === undefined || value === false) return undefined
  if (value === 'env') {
    const settings = proxyFromEnv(env, noProxy)
    return settings.http === undefined && settings.https === undefined ? undefined : settings
  }
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw new TypeError(
      `Expected \`proxy\` to be 'env', a proxy URL or false, got ${describe(value)}`,
    )
  }
  const url = parseProxyUrl(value, 'proxy')
  return { http: url, https: url, noProxy: parseNoProxy(noProxy ?? '') }
}

/** The proxy for `url` under `settings`, or undefined to connect directly. */
export function proxyFor(url: URL, settings: ProxySettings | undefined): URL | undefined {
  if (settings === undefined) return undefined
  const proxy = url.protocol === 'https:' ? settings.https : settings.http
  if (proxy === undefined || isNoProxy(url, settings.noProxy)) return undefined
  return proxy
}

/** `Proxy-Authorization` for a proxy URL's credentials, or undefined without any. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (proxy.username === '' && proxy.password === '') return undefined
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
  return `Basic ${Buffer.from(credentials).toString('base64')}`
}

/** The proxy URL without credentials, for messages and errors. */
export function redactProxy(proxy: URL): string {
  const copy = new URL(proxy.href)
  copy.username = ''
  copy.password = ''
  return copy.origin
}
