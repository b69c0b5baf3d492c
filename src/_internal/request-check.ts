// Checks of a caller's method and headers before anything is sent, matching what undici 7
// refuses (lib/core/request.js `processHeader`, lib/api/api-request.js): a request that passes
// here is never refused by undici with UND_ERR_INVALID_ARG or UND_ERR_NOT_SUPPORTED. Each
// check gives a short problem text, or `undefined`; the caller wraps it in a typed error.

/** RFC 9110, section 5.6.2: `tchar`, as undici's `isValidHTTPToken` has it. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const TOKEN_HINT = "use letters, digits and !#$%&'*+-.^_`|~"

/**
 * Methods never sent: CONNECT opens a tunnel rather than making a request (undici's
 * `request()` refuses it), and TRACE and TRACK echo the request, credentials included, which
 * is why fetch forbids all three.
 */
const REFUSED_METHODS: Readonly<Record<string, string>> = {
  CONNECT: 'it opens a tunnel, not a request',
  TRACE: 'it echoes the request back, credentials included',
  TRACK: 'it echoes the request back, credentials included',
}

/**
 * Methods sent upper-case whatever case they are given in: fetch's list (it normalizes
 * DELETE, GET, HEAD, OPTIONS, POST and PUT) with PATCH, whose omission there surprises
 * everyone. Any other method is sent exactly as given: methods are case-sensitive (RFC 9110,
 * section 9.1), and a server may define `purge` and `PURGE` apart.
 */
const NORMALIZED_METHODS: ReadonlySet<string> = new Set([
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
])

/** `method` as it is sent: a standard one upper-cased (`get` → `GET`), any other as given. */
export function normalizeMethod(method: string): string {
  const upperCase = method.toUpperCase()
  return NORMALIZED_METHODS.has(upperCase) ? upperCase : method
}

/** Headers undici sets from the request itself and refuses from the caller. */
const MANAGED_HEADERS = new Set(['transfer-encoding', 'keep-alive', 'upgrade'])

/**
 * RFC 9110, section 7.2: `uri-host [ ":" port ]`, an IP literal in brackets or a reg-name.
 * Checked because undici fails an assertion, not a validation, on a `[` without `]`.
 */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[\w\-.~!$&'()*+,;=%]*)(?::\d*)?$/

/** Bytes undici allows in a value: HTAB, visible ASCII and space, and obs-text 0x80–0xFF. */
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/

/**
 * The problem with `method`, or `undefined` if it can be sent: it must be an RFC 9110 token,
 * and not CONNECT, TRACE or TRACK (in any case).
 *
 * @example
 * checkMethod('CONNECT') // 'method `CONNECT` is not supported: it opens a tunnel, not a request'
 */
export function checkMethod(method: string): string | undefined {
  if (!TOKEN.test(method)) return `method \`${_show(method)}\` is not a token: ${TOKEN_HINT}`
  const upper = method.toUpperCase()
  const why = Object.hasOwn(REFUSED_METHODS, upper) ? REFUSED_METHODS[upper] : undefined
  return why === undefined ? undefined : `method \`${method}\` is not supported: ${why}`
}

/**
 * The problem with the header `name: value`, or `undefined` if it can be sent:
 * - the name must be an RFC 9110 token;
 * - the value may hold tabs, spaces, visible ASCII and bytes 0x80–0xFF (as Latin-1
 *   characters), so no CR, LF, NUL or other control character, and no character above U+00FF;
 *   leading and trailing spaces are allowed, as undici sends them and receivers strip them;
 * - `transfer-encoding`, `keep-alive` and `upgrade` are the client's to set, and `expect` is
 *   not supported;
 * - `connection` must be a comma-separated list of tokens, `content-length` a whole number,
 *   and `host` a host and optional port (RFC 9110, section 7.2).
 *
 * @example
 * checkHeader('Transfer-Encoding', 'chunked') // 'header `transfer-encoding` is managed by the client'
 */
export function checkHeader(name: string, value: string): string | undefined {
  if (!TOKEN.test(name)) return `header name \`${_show(name)}\` is not a token: ${TOKEN_HINT}`
  const lower = name.toLowerCase()
  const bad = BAD_VALUE_CHAR.exec(value)
  if (bad !== null) return `header \`${lower}\` value ${_describeChar(bad[0])}`
  if (MANAGED_HEADERS.has(lower)) return `header \`${lower}\` is managed by the client`
  if (lower === 'expect') return 'header `expect` is not supported'
  if (lower === 'connection') {
    // undici's own test: each comma-separated part, trimmed, is a token.
    for (const part of value.toLowerCase().split(',')) {
      if (!TOKEN.test(part.trim())) {
        return `header \`connection\` must be a comma-separated list of tokens, got \`${_show(value)}\``
      }
    }
  }
  if (lower === 'host' && !HOST.test(value)) {
    return `header \`host\` must be a host name or address and an optional port, got \`${_show(value)}\``
  }
  if (lower === 'content-length' && !/^\d+$/.test(value)) {
    return `header \`content-length\` must be a whole number, got \`${_show(value)}\``
  }
  return undefined
}

/**
 * The first problem with a request's method and headers, or `undefined` if undici will send
 * them. Besides {@link checkMethod} and {@link checkHeader} for each header, `host` and
 * `content-length` may be given once only (names match in any case), and when `bodyLength`
 * is known a `content-length` must equal it (undici refuses a mismatch while sending).
 *
 * @example
 * checkRequestParts('GET', { accept: 'text/html', expect: '100-continue' })
 * // 'header `expect` is not supported'
 */
export function checkRequestParts(
  method: string,
  headers: Readonly<Record<string, string>>,
  bodyLength?: number,
): string | undefined {
  const methodProblem = checkMethod(method)
  if (methodProblem !== undefined) return methodProblem
  let host = 0
  let contentLength: string | undefined
  for (const [name, value] of Object.entries(headers)) {
    const problem = checkHeader(name, value)
    if (problem !== undefined) return problem
    const lower = name.toLowerCase()
    if (lower === 'host' && ++host > 1) return 'header `host` is given twice'
    if (lower === 'content-length') {
      if (contentLength !== undefined) return 'header `content-length` is given twice'
      contentLength = value
    }
  }
  if (contentLength !== undefined && bodyLength !== undefined) {
    // undici compares as parseInt does: leading zeros are allowed.
    const stated = Number.parseInt(contentLength, 10)
    if (stated !== bodyLength) {
      return `header \`content-length\` says ${stated} but the body has ${bodyLength} bytes`
    }
  }
  return undefined
}

function _describeChar(char: string): string {
  if (char === '\r' || char === '\n') return 'contains a line break (CR or LF)'
  if (char === '\0') return 'contains a NUL character'
  const code = `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`
  if (char.charCodeAt(0) <= 0x9f) return `contains the control character ${code}`
  return `contains ${code}, which is not one byte: percent-encode it`
}

/** `text` for a one-line message: controls escaped, and cut at 60 characters. */
function _show(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text
  return shown.replace(
    /[^ -~\xa0-\uffff]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  )
}
