import { Buffer } from 'node:buffer'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/cli/errors.js'
import { type InputEntry, MAX_LINE_BYTES, openInput, readEntries } from '../../src/cli/input.js'

async function entriesOf(chunks: Array<string | Buffer>): Promise<InputEntry[]> {
  const out: InputEntry[] = []
  const bytes = chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk))
  for await (const entry of readEntries(Readable.from(bytes))) out.push(entry)
  return out
}

describe('readEntries()', () => {
  it('numbers lines from 1 and skips blank lines and # comments', async () => {
    const entries = await entriesOf([
      '# urls\n\nhttp://a.test/\n   \n  http://b.test/  \n#x\nhttp://c.test/',
    ])
    expect(entries).toEqual([
      { line: 3, text: 'http://a.test/' },
      { line: 5, text: 'http://b.test/' },
      { line: 7, text: 'http://c.test/' },
    ])
  })

  it('joins lines split across chunks, including a split UTF-8 character and CRLF', async () => {
    const text = Buffer.from('http://a.test/é\r\nhttp://b.test/\r\n')
    const cut = text.indexOf(0xa9) // the second byte of é
    const entries = await entriesOf([
      text.subarray(0, cut),
      text.subarray(cut, cut + 3),
      text.subarray(cut + 3),
    ])
    expect(entries).toEqual([
      { line: 1, text: 'http://a.test/é' },
      { line: 2, text: 'http://b.test/' },
    ])
  })

  it('drops a UTF-8 byte order mark on the first line', async () => {
    expect(await entriesOf(['\uFEFFhttp://a.test/\n'])).toEqual([
      { line: 1, text: 'http://a.test/' },
    ])
  })

  it('turns lines with NUL bytes or invalid UTF-8 into problems naming the line', async () => {
    const entries = await entriesOf([
      'http://a.test/\n',
      Buffer.from([0x68, 0x00, 0x01, 0x0a]),
      Buffer.from([0xff, 0xfe, 0x41, 0x0a]),
      'http://b.test/\n',
    ])
    expect(entries.map((e) => [e.line, e.problem?.code])).toEqual([
      [1, undefined],
      [2, 'ASYNCWITH_BINARY_INPUT'],
      [3, 'ASYNCWITH_BINARY_INPUT'],
      [4, undefined],
    ])
    expect(entries[1]!.problem!.message).toBe(
      'Line 2 holds NUL bytes: the input looks binary, not a list of URLs',
    )
    expect(entries[2]!.problem!.message).toBe('Line 3 is not valid UTF-8 text')
  })

  it('reports a line longer than the limit without holding it, and goes on', async () => {
    const long = 'x'.repeat(16 * 1024)
    const chunks = [
      'http://a.test/',
      ...Array.from({ length: 6 }, () => long),
      '\nhttp://b.test/\n',
    ]
    const entries = await entriesOf(chunks)
    expect(entries.map((e) => [e.line, e.problem?.code])).toEqual([
      [1, 'ASYNCWITH_LINE_TOO_LONG'],
      [2, undefined],
    ])
    expect(entries[0]!.problem!.message).toBe(
      `Line 1 is longer than ${MAX_LINE_BYTES} bytes: not a URL`,
    )
    expect(entries[0]!.text.length).toBeLessThanOrEqual(201)
  })

  it('streams: yields the first lines of an endless input', async () => {
    let produced = 0
    const endless = new Readable({
      read() {
        produced++
        this.push(`http://a.test/${produced}\n`)
      },
    })
    const seen: number[] = []
    for await (const entry of readEntries(endless)) {
      seen.push(entry.line)
      if (seen.length === 3) break
    }
    expect(seen).toEqual([1, 2, 3])
    expect(produced).toBeLessThan(100)
  })

  it('ends quietly when its stream is destroyed mid-read (an interrupt)', async () => {
    const stream = new PassThrough()
    stream.write('http://a.test/\n')
    const seen: number[] = []
    const done = (async () => {
      for await (const entry of readEntries(stream)) seen.push(entry.line)
    })()
    await new Promise((resolve) => setTimeout(resolve, 10))
    stream.destroy()
    await done
    expect(seen).toEqual([1])
  })
})

describe('openInput()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asyncwith-input-'))

  it('numbers URL arguments by position and gives them again', async () => {
    const input = openInput(
      { urls: ['http://a.test/', '', 'http://b.test/'], input: undefined },
      new PassThrough(),
    )
    const entries: InputEntry[] = []
    for await (const entry of input.entries()) entries.push(entry)
    expect(entries).toEqual([
      { line: 1, text: 'http://a.test/' },
      { line: 3, text: 'http://b.test/' },
    ])
    const again: InputEntry[] = []
    for await (const entry of input.again!()) again.push(entry)
    expect(again).toEqual(entries)
  })

  it('reads the entries of a regular file again, from a pass of their own', async () => {
    const path = join(dir, 'urls.txt')
    writeFileSync(path, '# c\nhttp://a.test/\nhttp://b.test/\n\nhttp://c.test/\n')
    const input = openInput({ urls: [], input: path }, new PassThrough())
    const again: number[] = []
    for await (const entry of input.again!()) again.push(entry.line)
    expect(again).toEqual([2, 3, 5])
    const lines: number[] = []
    for await (const entry of input.entries()) lines.push(entry.line)
    expect(lines).toEqual([2, 3, 5])
  })

  it('throws a UsageError for a directory', () => {
    expect(() => openInput({ urls: [], input: dir }, new PassThrough())).toThrow(UsageError)
  })
})
