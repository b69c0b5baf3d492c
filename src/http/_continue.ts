// Unsolicited `100 Continue` responses, dropped before undici's HTTP/1.1 parser sees them.
//
// RFC 9110, section 15.2: a client "MUST be able to parse one or more 1xx responses received
// prior to a final response, even if the client does not expect one". undici 7 destroys the
// connection on any 100 (nodejs/undici#201; it supports 100 only with `Expect`, which we never
// send), while it skips every other 1xx. So the socket's reads are watched at the start of
// each response, and only there: from a request head being written until the first byte that
// is not part of a 1xx head. Each `HTTP/1.x 100` head found there is cut out; other 1xx heads
// (103 Early Hints) pass, and the watch goes on after them.

import { Buffer } from 'node:buffer'
import type { Socket } from 'node:net'

/** `METHOD target HTTP/1.1`: how every request head undici writes starts (a string). */
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/1\.1\r\n/
const STATUS_PREFIX = Buffer.from('HTTP/1.')
/** `HTTP/1.x 1xx` is this long. */
const INFORMATIONAL_LENGTH = 12
const HEAD_END = Buffer.from('\r\n\r\n')

/**
 * Makes `socket` drop unsolicited `100 Continue` responses (see the file's comment). Costs one
 * boolean test per read and per write once a response has started.
 */
export function skipUnsolicitedContinue(socket: Socket): void {
  const read = socket.read
  const write = socket.write
  /** A request head was written and no byte of its final response has been read yet. */
  let watching = false
  /** Bytes of a 1xx head not complete yet, held back from the parser. */
  let pending: Buffer | undefined

  socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'string' && REQUEST_LINE.test(chunk)) watching = true
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
  } as Socket['write']

  socket.read = function (this: Socket, size?: number): unknown {
    const chunk = read.call(this, size) as Buffer | string | null
    if (!watching || chunk === null || typeof chunk === 'string') return chunk
    let bytes = pending === undefined ? chunk : Buffer.concat([pending, chunk])
    pending = undefined
    const kept: Buffer[] = []
    for (;;) {
      const verdict = informational(bytes)
      if (verdict === 'more') {
        // Held until the rest arrives: undici reads again on the next 'readable'.
        pending = bytes
        break
      }
      if (verdict === 'no') {
        watching = false
        kept.push(bytes)
        break
      }
      const end = bytes.indexOf(HEAD_END)
      if (end === -1) {
        pending = bytes
        break
      }
      const head = bytes.subarray(0, end + HEAD_END.length)
      if (verdict === 'other') kept.push(head)
      bytes = bytes.subarray(head.length)
      if (bytes.length === 0) break
    }
    if (kept.length === 0) return null
    return kept.length === 1 ? kept[0] : Buffer.concat(kept)
  } as Socket['read']
}

/**
 * Whether `bytes` start with a 1xx status line: `'100'`, `'other'` (another 1xx), `'no'`, or
 * `'more'` when too few bytes have come to tell.
 */
function informational(bytes: Buffer): '100' | 'other' | 'no' | 'more' {
  const known = Math.min(bytes.length, STATUS_PREFIX.length)
  if (bytes.compare(STATUS_PREFIX, 0, known, 0, known) !== 0) return 'no'
  if (bytes.length < INFORMATIONAL_LENGTH) {
    // `HTTP/1.` then a digit, a space, and a status code starting with 1 so far.
    const partial = bytes.toString('latin1', STATUS_PREFIX.length)
    return /^(?:\d(?: (?:1\d{0,2})?)?)?$/.test(partial) ? 'more' : 'no'
  }
  const line = bytes.toString('latin1', 0, INFORMATIONAL_LENGTH)
  if (!/^HTTP\/1\.\d 1\d\d$/.test(line)) return 'no'
  if (bytes.length > INFORMATIONAL_LENGTH && !/[ \r]/.test(String.fromCharCode(bytes[12]!))) {
    return 'no'
  }
  return line.endsWith(' 100') ? '100' : 'other'
}
