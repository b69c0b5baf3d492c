// What the client hands to an HttpResponse: the undici response of the final attempt, what
// is known about the exchange, and the limits that apply while its body is read.
import type { ResponseBody } from './_body.js'
import type { HttpPhase } from './errors.js'

/** Decompression settings, resolved from the client's options. */
export interface DecompressSettings {
  /** Decode `gzip`, `deflate`, `br` (and `zstd` where the runtime has it). */
  readonly enabled: boolean
  /**
   * Largest allowed ratio of decoded to encoded bytes, checked once more than `ratioFloor`
   * bytes were decoded (small bodies can legitimately compress extremely well).
   */
  readonly maxRatio: number
  /** Decoded bytes below which the ratio is not checked. */
  readonly ratioFloor: number
}

export interface ResponseInit {
  /** The method of the final attempt (a 303 makes it `GET`). */
  readonly method: string
  /** The final URL, as an `href`. */
  readonly url: string
  readonly status: number
  /** undici's headers: lower-case names. */
  readonly headers: Record<string, string | string[] | undefined>
  /** The body the exchange holds or feeds; the response owns it from now on. */
  readonly body: ResponseBody
  /** Every URL that redirected, in order (empty when none did). */
  readonly redirects: readonly string[]
  /** Tries made: 1 + retries. */
  readonly attempts: number
  /** Most decoded body bytes allowed; `Infinity` for no limit. */
  readonly maxBodySize: number
  readonly decompress: DecompressSettings
  /**
   * Aborts when the caller's signal, the client's close or the `total` timeout fires; reading
   * then rejects with `signal.reason` (already the right error).
   */
  readonly signal: AbortSignal
  /**
   * `true` when `signal` is the undici request's own, so undici already stops the body when it
   * aborts and the response need not listen for it.
   */
  readonly signalDrivesBody?: boolean
  /** Turns an undici or Node.js error met while reading into the http layer's typed error. */
  readonly classify: (error: unknown, phase: HttpPhase) => unknown
  /**
   * Called exactly once when the body is done with: read to the end, failed, or released. The
   * client stops the `total` timer and forgets the response then.
   */
  readonly onDone: () => void
}
