import { Buffer } from 'node:buffer'
import type { Socket } from 'node:net'
import { Readable } from 'node:stream'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { repairResponseHeads } from '../../src/http/_head-repair.js'

// The head repair of the client's sockets (RFC 9110 §15.2: unsolicited 100 Continue skipped;
// RFC 9112 §5.2: obs-fold replaced by a space), on a stand-in socket, so that every way the
// bytes can be cut into reads is tried: what undici's parser reads is the same.

/** A socket whose reads come from `chunks`, one per `read()` call's worth of arrival. */
function standIn(): { socket: Socket; arrive(chunk: Buffer): void; readAll(): Buffer } {
  const readable = new Readable({ read() {} })
  const socket = {
    read: (size?: number) => readable.read(size),
    write: (_chunk: unknown) => true,
  } as unknown as Socket
  repairResponseHeads(socket)
  return {
    socket,
    arrive: (chunk) => void readable.push(chunk),
    readAll() {
      const out: Buffer[] = []
      for (let chunk = socket.read(); chunk !== null; chunk = socket.read()) out.push(chunk)
      return Buffer.concat(out)
    },
  }
}

const REQUEST = 'GET / HTTP/1.1\r\nhost: a\r\n\r\n'

/** Feeds `wire` cut at `cuts`, reading after each piece, as undici does on 'readable'. */
function through(wire: string, cuts: number[], request = true): string {
  const { socket, arrive, readAll } = standIn()
  if (request) socket.write(REQUEST)
  const bytes = Buffer.from(wire, 'latin1')
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let start = 0
  for (const point of [...points, bytes.length]) {
    if (point > start) arrive(bytes.subarray(start, point))
    out.push(readAll())
    start = Math.max(start, point)
  }
  return Buffer.concat(out).toString('latin1')
}

const FINAL = 'HTTP/1.1 200 OK\r\nContent-Length: 33\r\n\r\n'
const BODY = 'HTTP/1.1 100 Continue\r\n\r\n \r\n\tx\r\n'

describe('repairResponseHeads', () => {
  it('cuts out 100 heads, keeps other 1xx heads, unfolds, and leaves the body alone, however the bytes are cut', () => {
    const wire =
      'HTTP/1.1 100 Continue\r\n\r\n' +
      'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' +
      'HTTP/1.1 100 Continue\r\nX: y\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nX-F: a\r\n  b\r\n\tc\r\nContent-Length: 33\r\n\r\n' +
      BODY
    const expected =
      'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nX-F: a b c\r\nContent-Length: 33\r\n\r\n' +
      BODY
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        expect(through(wire, cuts)).toBe(expected)
      }),
    )
  })

  it('passes everything untouched when no request head was written', () => {
    const wire = `HTTP/1.1 100 Continue\r\n\r\n${FINAL}${BODY}`
    expect(through(wire, [5, 30], false)).toBe(wire)
  })

  it('passes at once what is not a status line, or a head undici will refuse (bare LF)', () => {
    expect(through('garbage\r\n\r\n', [3])).toBe('garbage\r\n\r\n')
    const { socket, arrive, readAll } = standIn()
    socket.write(REQUEST)
    arrive(Buffer.from('HTTP/1.1 200 OK\nContent-Length: 2\n'))
    expect(readAll().toString()).toBe('HTTP/1.1 200 OK\nContent-Length: 2\n')
  })

  it('holds an incomplete head back, then gives it whole', () => {
    const { socket, arrive, readAll } = standIn()
    socket.write(REQUEST)
    arrive(Buffer.from('HTTP/1.1 200 OK\r\nX: 1\r\n'))
    expect(readAll()).toHaveLength(0)
    arrive(Buffer.from('\r\nbody'))
    expect(readAll().toString()).toBe('HTTP/1.1 200 OK\r\nX: 1\r\n\r\nbody')
  })

  it('watches each response of a kept-alive connection again, and only after its request', () => {
    const { socket, arrive, readAll } = standIn()
    for (let i = 0; i < 3; i++) {
      socket.write(REQUEST)
      arrive(Buffer.from(`HTTP/1.1 100 Continue\r\n\r\n${FINAL}${BODY}`))
      expect(readAll().toString('latin1')).toBe(FINAL + BODY)
    }
  })
})
