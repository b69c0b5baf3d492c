// How a redirect turns one request into the next (RFC 9110, section 15.4, and what browsers
// and curl do where it leaves room).
import { Buffer } from 'node:buffer'
import { TextDecoder } from 'node:util'
import { InvalidUrlError, RedirectDowngradeError } from './errors.js'

export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

/** Headers that carry credentials: dropped when a redirect leaves the origin. */
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization']

/** Headers that describe the request body: dropped when the body is. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'transfer-encoding']

export interface HopRequest {
  readonly method: string
  readonly url: URL
  /** Lower-case names. */
  readonly headers: Record<string, string>
  readonly body: string | Uint8Array | undefined
}

// Fatal, so that bytes which are not UTF-8 are left alone; a BOM is a character like any other.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * The `Location` a server meant, from the header value undici hands over. undici reads
 * header bytes as Latin-1 (one character per byte), so `Location: /café` sent as UTF-8
 * arrives as `/cafÃ©`. When every character is a byte and the bytes are valid UTF-8, this
 * returns their UTF-8 reading, which `new URL` then percent-encodes as `/caf%C3%A9`, the URL
 * curl, Go and browsers request. Anything else, such as a Latin-1 `é` alone, is returned
 * unchanged.
 *
 * @example
 * new URL(locationFromHeader('/caf\u00c3\u00a9'), 'http://a.test/').pathname // '/caf%C3%A9'
 */
export function locationFromHeader(raw: string): string {
  // Plain ASCII, nearly every Location, reads the same either way.
  if (!/[\x80-\uffff]/.test(raw) || /[\u0100-\uffff]/.test(raw)) return raw
  try {
    return utf8.decode(Buffer.from(raw, 'latin1'))
  } catch {
    return raw
  }
}

/**
 * The request a redirect leads to:
 * - 303 turns every method but `HEAD` into `GET`, and 301/302 turn `POST` into `GET` (as
 *   browsers do); the body and its headers go.
 * - 307 and 308 keep the method and the body.
 * - Leaving the origin (scheme, host or port differ) drops `Authorization`, `Cookie` and
 *   `Proxy-Authorization`, so credentials never reach a host they were not meant for.
 * - `https:` to `http:` is refused unless `allowDowngrade`.
 * - A `location` without a fragment keeps the current URL's (RFC 9110, section 10.2.2);
 *   userinfo in it is dropped.
 *
 * @throws {@link InvalidUrlError} If `location` is not an http(s) URL.
 * @throws {@link RedirectDowngradeError} On a refused downgrade.
 */
export function nextHop(
  current: HopRequest,
  status: number,
  location: string,
  allowDowngrade: boolean,
): HopRequest {
  let url: URL
  try {
    url = new URL(location, current.url)
  } catch (cause) {
    throw new InvalidUrlError({
      input: location,
      method: current.method,
      redirectedFrom: current.url.href,
      cause,
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidUrlError({
      input: location,
      method: current.method,
      redirectedFrom: current.url.href,
    })
  }
  // RFC 9110, section 10.2.2: a Location without a fragment inherits the request's.
  if (!location.includes('#')) url.hash = current.url.hash
  // Userinfo in a Location is neither sent nor reported (it would end up in `url` and in
  // logs); RFC 9110, section 4.2.4, deprecates it.
  url.username = ''
  url.password = ''
  if (current.url.protocol === 'https:' && url.protocol === 'http:' && !allowDowngrade) {
    throw new RedirectDowngradeError({
      method: current.method,
      url: current.url.href,
      location: url.href,
    })
  }
  const headers = { ...current.headers }
  delete headers.host
  let { method, body } = current
  const becomesGet =
    (status === 303 && method !== 'HEAD' && method !== 'GET') ||
    ((status === 301 || status === 302) && method === 'POST')
  if (becomesGet) {
    method = 'GET'
    body = undefined
    for (const name of BODY_HEADERS) delete headers[name]
  }
  if (url.origin !== current.url.origin) {
    for (const name of CREDENTIALS) delete headers[name]
  }
  return { method, url, headers, body }
}
