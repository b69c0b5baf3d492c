// The dispatcher of an origin reached through a proxy, and the typed error for a proxy's
// refusal. undici's ProxyAgent does the protocol work: `CONNECT` for https: origins (TLS to
// the origin runs inside the tunnel), absolute-form requests for http: ones
// (`proxyTunnel: false`, as curl does). One ProxyAgent per proxied origin, beside the Pool
// per direct origin, so every origin keeps its own connections and limits.
import { type Dispatcher, type Pool, ProxyAgent } from 'undici'
import { proxyAuthorization, redactProxy } from './_proxy.js'
import { ProxyError } from './errors.js'

/** TLS settings, as the client resolved its `tls` option. */
export interface ProxyTls {
  readonly ca?: Array<string | Uint8Array>
  readonly rejectUnauthorized?: boolean
}

/**
 * A dispatcher for one origin through `proxy`. The proxy URL's credentials become
 * `Proxy-Authorization`, which undici sends to the proxy only (on `CONNECT`, or on the
 * absolute-form request the proxy consumes), never through the tunnel to the origin. `tls`
 * applies to the origin and, for an `https:` proxy, to the proxy as well; `socket` (lookup,
 * Happy Eyeballs) to the connection to the proxy. With `h2`, HTTP/2 is offered to the origin
 * inside the tunnel, never to the proxy.
 */
export function proxyDispatcher(
  proxy: URL,
  pool: Omit<Pool.Options, 'connect'>,
  tls: ProxyTls,
  connectTimeout: number,
  socket: Record<string, unknown>,
  h2: boolean,
): Dispatcher {
  const token = proxyAuthorization(proxy)
  const uri = new URL(proxy.href)
  uri.username = ''
  uri.password = ''
  const timeout = { timeout: connectTimeout }
  return new ProxyAgent({
    ...pool,
    uri: uri.href,
    ...(token === undefined ? {} : { token }),
    proxyTunnel: false,
    requestTls: { ...tls, ...timeout, ...(h2 ? { allowH2: true } : {}) },
    proxyTls: { ...tls, ...timeout, ...socket },
  } as ProxyAgent.Options)
}

// undici reports a proxy's refusal as an error whose message carries the status: an
// `InvalidArgumentError` "Proxy Authentication Required (407)" for a plain request, and an
// `AbortError` "Proxy response (502) !== 200 when HTTP Tunneling" for a failed CONNECT.
const REFUSAL = /^Proxy (?:response \((\d{3})\) !== 200|Authentication Required \((407)\))/

/**
 * The {@link ProxyError} for `error` when it is `proxy`'s refusal of `method url` (407, or a
 * `CONNECT` that did not answer 200), or `undefined` for any other error.
 */
export function proxyErrorOf(
  error: unknown,
  method: string,
  url: string,
  proxy: URL,
): ProxyError | undefined {
  for (let current = error, depth = 0; current != null && depth < 4; depth++) {
    const message = (current as { message?: unknown }).message
    const match = typeof message === 'string' ? REFUSAL.exec(message) : null
    if (match !== null) {
      const status = Number(match[1] ?? match[2])
      return new ProxyError({ method, url, proxy: redactProxy(proxy), status, cause: error })
    }
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}
