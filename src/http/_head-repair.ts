// Two repairs to HTTP/1.1 response heads, made before undici's parser sees them, because the
// RFC requires a client to accept what undici 7 refuses:
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
const FOLD_SPACE = Buffer.from('\r\n ')
const FOLD_TAB = Buffer.from('\r\n\t')
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
    while (watching && bytes.length > 0) {
      if (!startsLikeStatusLine(bytes)) {
        watching = false
        break
      }
      const end = bytes.indexOf(HEAD_END)
      if (end === -1) {
        // What undici refuses at once (a bare CR or LF, a NUL) is not held back from it.
        if (bytes.length > MAX_HELD || BROKEN.test(bytes.toString('latin1'))) watching = false
        else {
          // Held until the rest arrives: undici reads again on the next 'readable'.
          pending = bytes
          bytes = EMPTY
        }
        break
      }
      const head = bytes.subarray(0, end + HEAD_END.length)
      bytes = bytes.subarray(head.length)
      const code = head.toString('latin1', 9, 12)
      if (code[0] !== '1') {
        watching = false
        if (head[7] === 0x30 && TRANSFER_ENCODING.test(head.toString('latin1'))) {
          this.destroy(http10TransferEncoding())
          return null
        }
      }
      if (code !== '100') kept.push(unfold(head))
    }
    if (bytes.length > 0) kept.push(bytes)
    if (kept.length === 0) return null
    return kept.length === 1 ? kept[0] : Buffer.concat(kept)
  } as Socket['read']
}

const EMPTY = Buffer.alloc(0)
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

/** `bytes` start as `HTTP/1.x NNN` does, as far as they go. */
function startsLikeStatusLine(bytes: Buffer): boolean {
  const start = bytes.toString('latin1', 0, Math.min(bytes.length, 13))
  return /^(?:H(?:T(?:T(?:P(?:\/(?:1(?:\.(?:\d(?: (?:\d(?:\d(?:\d[ \r]?)?)?)?)?)?)?)?)?)?)?)?)?$/.test(
    start,
  )
}

/** `head` with each obs-fold (CRLF then spaces or tabs) replaced by one space. */
function unfold(head: Buffer): Buffer {
  if (head.indexOf(FOLD_SPACE) === -1 && head.indexOf(FOLD_TAB) === -1) return head
  const text = head.toString('latin1', 0, head.length - HEAD_END.length)
  return Buffer.from(`${text.replace(/[ \t]*\r\n[ \t]+/g, ' ')}\r\n\r\n`, 'latin1')
}
