// What the RFCs require of a client and undici 7's HTTP/1.1 parser does not do, done to the
// response heads before that parser sees them:
// - RFC 9110, section 15.2: a client "MUST be able to parse one or more 1xx responses
//   received prior to a final response, even if the client does not expect one". undici
//   destroys the connection on any `100 Continue` (nodejs/undici#201; it takes 100 only with
//   `Expect`, which we never send) while it skips every other 1xx: 100 heads are cut out.
// - RFC 9112, section 5.2: a user agent that receives obs-fold (a field value continued on a
//   line starting with a space or tab) "MUST replace each received obs-fold with one or more
//   SP octets". undici's parser refuses it: each one becomes one space.
// - RFC 9112, section 6.1: an HTTP/1.0 response with Transfer-Encoding has faulty framing;
//   undici reads it as chunked: the connection is destroyed with a parser-like error.
// Only heads are touched: from a request head being written, the socket's reads are held
// until each response head is complete, up to the end of the final (non-1xx) head; after it,
// bytes pass untouched until the next request. Bytes that are not a status line pass at once.

import { Buffer } from 'node:buffer'
import type { Socket } from 'node:net'

/** `METHOD target HTTP/1.1`: how every request head undici writes starts (a string). */
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/1\.1\r\n/
const HEAD_END = Buffer.from('\r\n\r\n')
/** A head held back longer than this passes as it is (undici's own size limit applies). */
const MAX_HELD = 1024 * 1024

/**
 * Repairs the response heads read from `socket` (see the file's comment). Costs a boolean test
 * per read and per write outside heads, and one scan of each head.
 */
export function repairResponseHeads(socket: Socket): void {
  const read = socket.read
  const write = socket.write
  /** A request head was written and its final response head has not been read in full. */
  let watching = false
  /** Bytes of a head not complete yet, held back from the parser. */
  let pending: Buffer | undefined

  socket.write = function (
    this: Socket,
    chunk: unknown,
    encoding?: unknown,
    callback?: unknown,
  ): boolean {
    if (typeof chunk === 'string' && REQUEST_LINE.test(chunk)) watching = true
    return (write as (...args: unknown[]) => boolean).call(this, chunk, encoding, callback)
  } as Socket['write']

  socket.read = function (this: Socket, size?: number): unknown {
    const chunk = read.call(this, size) as Buffer | string | null
    if (!watching || chunk === null || typeof chunk === 'string') return chunk
    const joined = pending === undefined ? chunk : Buffer.concat([pending, chunk])
    let bytes = joined
    pending = undefined
    let kept: Buffer[] | undefined
    /** Bytes were cut out or rewritten: `joined` cannot be returned as it is. */
    let changed = false
    while (watching && bytes.length > 0) {
      if (!startsLikeStatusLine(bytes)) {
        watching = false
        break
      }
      const end = headEnd(bytes)
      if (end === -1) {
        // What undici refuses at once (a bare CR or LF, a NUL) is not held back from it.
        if (bytes.length > MAX_HELD || BROKEN.test(bytes.toString('latin1'))) watching = false
        else {
          // Held until the rest arrives: undici reads again on the next 'readable'.
          pending = bytes
          bytes = EMPTY
          changed = true
        }
        break
      }
      const folded = foundFold
      const head = bytes.subarray(0, end)
      bytes = bytes.subarray(end)
      // `HTTP/1.x NNN`: the status code's digits are bytes 9 to 11.
      const informational = head[9] === DIGIT_1
      if (!informational) {
        watching = false
        if (head[7] === DIGIT_0 && TRANSFER_ENCODING.test(head.toString('latin1'))) {
          this.destroy(http10TransferEncoding())
          return null
        }
      }
      if (informational && head[10] === DIGIT_0 && head[11] === DIGIT_0) {
        changed = true
        continue
      }
      if (folded) changed = true
      kept ??= []
      kept.push(folded ? unfold(head) : head)
    }
    // Most reads: one whole final head and some body, nothing to change.
    if (!changed) return joined
    kept ??= []
    if (bytes.length > 0) kept.push(bytes)
    if (kept.length === 0) return null
    return kept.length === 1 ? kept[0] : Buffer.concat(kept)
  } as Socket['read']
}

const EMPTY = Buffer.alloc(0)
const DIGIT_0 = 0x30
const DIGIT_1 = 0x31
const DIGIT_9 = 0x39
const SPACE = 0x20
const CR = 0x0d
const LF = 0x0a
const TAB = 0x09
/** Placeholders in {@link STATUS_SHAPE}: any digit; a space or CR. */
const DIGIT = -1
const END = -2
/** `HTTP/1.` digit space digit digit digit, then a space or CR. */
const STATUS_SHAPE: readonly number[] = [
  ...Buffer.from('HTTP/1.'),
  DIGIT,
  SPACE,
  DIGIT,
  DIGIT,
  DIGIT,
  END,
]
const TRANSFER_ENCODING = /\r\ntransfer-encoding[ \t]*:/i

/**
 * RFC 9112, section 6.1: a client that receives an HTTP/1.0 message with Transfer-Encoding
 * "MUST treat the message as if the framing is faulty"; undici would read it as chunked.
 */
function http10TransferEncoding(): Error {
  return Object.assign(new Error('HTTP/1.0 response with Transfer-Encoding: framing is faulty'), {
    code: 'HPE_ASYNCWITH_HTTP10_TRANSFER_ENCODING',
  })
}
/** A NUL, a CR not followed by LF (but one at the very end may be), an LF not after CR. */
const BROKEN = /\0|\r(?=[^\n])|(?:^|[^\r])\n/

/** `bytes` start as `HTTP/1.x NNN` (then a space or CR) does, as far as they go. */
function startsLikeStatusLine(bytes: Buffer): boolean {
  const length = Math.min(bytes.length, STATUS_SHAPE.length)
  for (let i = 0; i < length; i++) {
    const byte = bytes[i]!
    const shape = STATUS_SHAPE[i]!
    if (
      shape === DIGIT
        ? byte < DIGIT_0 || byte > DIGIT_9
        : shape === END
          ? byte !== SPACE && byte !== CR
          : byte !== shape
    ) {
      return false
    }
  }
  return true
}

/** Set by {@link headEnd}: the head it found holds an obs-fold. */
let foundFold = false

/**
 * The index just past the CRLF CRLF that ends the head at the start of `bytes`, or -1; sets
 * {@link foundFold}. One pass in JavaScript: cheaper than two native searches on every head.
 */
function headEnd(bytes: Buffer): number {
  foundFold = false
  const last = bytes.length - 1
  for (let i = 1; i < last; i++) {
    if (bytes[i] !== LF || bytes[i - 1] !== CR) continue
    const next = bytes[i + 1]
    if (next === CR) {
      if (bytes[i + 2] === LF) return i + 3
    } else if (next === SPACE || next === TAB) foundFold = true
  }
  return -1
}

/** `head` (CRLF CRLF included) with each obs-fold (CRLF then spaces or tabs) made one space. */
function unfold(head: Buffer): Buffer {
  const text = head.toString('latin1', 0, head.length - HEAD_END.length)
  return Buffer.from(`${text.replace(/[ \t]*\r\n[ \t]+/g, ' ')}\r\n\r\n`, 'latin1')
}
