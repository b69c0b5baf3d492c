// Turns the errors undici and Node.js report into the http layer's typed errors. undici's
// errors are compared by `code`, never by class (two undici copies have two classes).
import {
  ConnectionError,
  type ConnectionFailure,
  type HttpPhase,
  HttpTimeoutError,
} from './errors.js'

/** The limits in force, for the `ms` of a timeout error. */
export interface PhaseTimeouts {
  readonly connect: number
  readonly headers: number
  readonly body: number
}

const TIMEOUT_CODES: Record<string, 'connect' | 'headers' | 'body'> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
}

const CONNECTION_CODES: Record<string, ConnectionFailure> = {
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  EAI_FAIL: 'dns',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  UND_ERR_SOCKET: 'closed',
  UND_ERR_CLOSED: 'closed',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'truncated',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'other',
  UND_ERR_INFO: 'protocol',
  // HTTP/2 (node:http2 under undici): a stream reset by the server (RST_STREAM), or the
  // session going away under it.
  ERR_HTTP2_STREAM_ERROR: 'reset',
  ERR_HTTP2_SESSION_ERROR: 'reset',
  ERR_HTTP2_STREAM_CANCEL: 'closed',
  ERR_HTTP2_GOAWAY_SESSION: 'closed',
  ERR_HTTP2_INVALID_SESSION: 'closed',
  ERR_HTTP2_ERROR: 'protocol',
  UND_ERR_HEADERS_OVERFLOW: 'headers-too-large',
  EHOSTUNREACH: 'other',
  ENETUNREACH: 'other',
  ETIMEDOUT: 'other',
}

/** Failures that happen before the request reaches the server. */
const BEFORE_SENDING: ReadonlySet<ConnectionFailure> = new Set(['refused', 'dns', 'tls'])

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function failureOf(error: unknown): ConnectionFailure | undefined {
  // undici wraps the socket's own error (`cause`); the innermost known code says the most.
  for (let current = error, depth = 0; current != null && depth < 4; depth++) {
    // llhttp's errors carry no code: an early EOF is a truncated body, the rest bad HTTP.
    if ((current as { name?: unknown }).name === 'HTTPParserError') {
      return /EOF/i.test(String((current as { message?: unknown }).message))
        ? 'truncated'
        : 'protocol'
    }
    const code = codeOf(current)
    if (code !== undefined) {
      if (code === 'UND_ERR_SOCKET') {
        // undici's names for a response it cannot take: a `100 Continue` (ours are cut out
        // before it, see _head-repair.ts), an upgrade nobody asked for, bytes when no request
        // is waiting.
        const message = String((current as { message?: unknown }).message)
        if (message === 'bad response' || message === 'bad upgrade') return 'protocol'
        const inner = failureOf((current as { cause?: unknown }).cause)
        if (inner !== undefined) return inner
        return 'closed'
      }
      const known = CONNECTION_CODES[code]
      if (known !== undefined) return known
      if (code.startsWith('HPE_')) return 'protocol'
      if (
        code.startsWith('ERR_TLS_') ||
        code.startsWith('ERR_SSL_') ||
        code.includes('CERT') ||
        code.startsWith('UNABLE_TO_')
      ) {
        return 'tls'
      }
    }
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * `error`, met before any response header, says the server closed a connection it had kept
 * alive: the request may be replayed once. undici reports such a close as `UND_ERR_SOCKET`
 * "other side closed" with the socket's counters (bytes read before: it served earlier
 * requests), or as a reset or broken pipe, which carry no counters.
 */
export function isStaleConnection(error: unknown): boolean {
  const code = codeOf(error)
  if (code === 'ECONNRESET' || code === 'EPIPE') return true
  if (code !== 'UND_ERR_SOCKET') return false
  const cause = (error as { cause?: unknown }).cause
  const causeCode = codeOf(cause)
  if (causeCode === 'ECONNRESET' || causeCode === 'EPIPE') return true
  const socket = (error as { socket?: { bytesRead?: unknown } }).socket
  return typeof socket?.bytesRead === 'number' && socket.bytesRead > 0
}

/**
 * The typed error for `error`, met in `phase` of a request for `method url`. Errors already
 * typed by asyncwith are returned unchanged; everything else becomes one: an error this layer
 * does not recognise is a {@link ConnectionError} of kind `'other'` with it as `cause`.
 */
export function classifyError(
  error: unknown,
  phase: HttpPhase,
  method: string,
  url: string,
  timeouts: PhaseTimeouts,
): unknown {
  const code = codeOf(error)
  if (code?.startsWith('ASYNCWITH_')) return error
  const timeoutPhase = code === undefined ? undefined : TIMEOUT_CODES[code]
  if (timeoutPhase !== undefined) {
    return new HttpTimeoutError({
      method,
      url,
      phase: timeoutPhase,
      ms: timeouts[timeoutPhase],
      cause: error,
    })
  }
  const kind = failureOf(error) ?? 'other'
  return new ConnectionError({
    method,
    url,
    kind,
    phase: BEFORE_SENDING.has(kind) ? 'connect' : phase,
    cause: error,
  })
}
