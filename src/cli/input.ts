// Input of `asyncwith fetch`: URL arguments, or the lines of a file or stdin, streamed chunk by
// chunk (never read whole) and numbered from 1. Blank lines and `#` comments are skipped. A
// line that is not text (NUL bytes, invalid UTF-8) or absurdly long becomes an entry with a
// `problem`, which the command writes as an error record naming the line: never a crash.
import { Buffer, isUtf8 } from 'node:buffer'
import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { describeFsError, UsageError } from './errors.js'

/** Longest line taken as a URL; longer ones are an `ASYNCWITH_LINE_TOO_LONG` entry. */
export const MAX_LINE_BYTES = 64 * 1024
/** How much of a bad line a record shows as `input`. */
const SHOWN_CHARS = 200

/** An input problem, as it appears in the record's `error`. */
export interface InputProblem {
  readonly code: 'ASYNCWITH_BINARY_INPUT' | 'ASYNCWITH_LINE_TOO_LONG'
  readonly message: string
}

/** One URL to fetch (or one bad line), with its line number from 1. */
export interface InputEntry {
  readonly line: number
  /** The line, trimmed; for a bad line, a lossy and shortened rendering of it. */
  readonly text: string
  readonly problem?: InputProblem
}

/** Where the URLs come from. */
export interface InputSource {
  /** The entries, in order. Iterate once (this or {@link InputSource.batches}). */
  entries(): AsyncIterable<InputEntry>
  /** The same entries, in order, a batch (such as one chunk's lines) at a time. Iterate once. */
  batches(): AsyncIterable<InputEntry[]>
  /**
   * For arguments and a regular file: the same entries again, from a pass of their own (to
   * count them for the progress total, or to check them against `--resume` records).
   */
  again?(): AsyncIterable<InputEntry>
  /** Stops reading: destroys the stream, so a pending read (stdin) settles. */
  close(): void
}

/**
 * Opens the input `fetch` asked for: URL arguments, a file, or `stdin` for `'-'`.
 * @throws {@link UsageError} When the file cannot be opened or is a directory.
 */
export function openInput(
  options: { readonly urls: readonly string[]; readonly input: string | undefined },
  stdin: Readable,
): InputSource {
  const { input } = options
  if (input === undefined) {
    const urls = options.urls
    const all = (): InputEntry[] => {
      const entries: InputEntry[] = []
      for (let i = 0; i < urls.length; i++) {
        const entry = classify(i + 1, Buffer.from(urls[i]!, 'utf8'))
        if (entry !== undefined) entries.push(entry)
      }
      return entries
    }
    return {
      async *entries() {
        yield* all()
      },
      async *batches() {
        yield all()
      },
      async *again() {
        yield* all()
      },
      close() {},
    }
  }
  if (input === '-') {
    return {
      entries: () => readEntries(stdin),
      batches: () => readBatches(stdin),
      close: () => stdin.destroy(),
    }
  }
  let fd: number
  try {
    fd = openSync(input, 'r')
  } catch (error) {
    throw new UsageError(`cannot read '${input}': ${describeFsError(error)}`)
  }
  const stat = fstatSync(fd)
  if (stat.isDirectory()) {
    closeSync(fd)
    throw new UsageError(`cannot read '${input}': it is a directory`)
  }
  let stream: Readable | undefined
  let closed = false
  const open = (): Readable => {
    stream = createReadStream('', { fd, highWaterMark: 64 * 1024 })
    if (closed) stream.destroy()
    return stream
  }
  return {
    entries: () => readEntries(open()),
    batches: () => readBatches(open()),
    again: stat.isFile()
      ? // Its own stream over the same path: the fd above stays at offset 0 for entries().
        () => readEntries(createReadStream(input, { highWaterMark: 256 * 1024 }))
      : undefined,
    close() {
      closed = true
      if (stream !== undefined) stream.destroy()
      else {
        try {
          closeSync(fd)
        } catch {}
      }
    },
  }
}

/**
 * Splits a byte stream into numbered entries, keeping at most one line (up to
 * {@link MAX_LINE_BYTES}) in memory. Stops quietly when the stream is destroyed.
 */
export async function* readEntries(stream: Readable): AsyncGenerator<InputEntry> {
  for await (const batch of readBatches(stream)) yield* batch
}

/**
 * {@link readEntries}, a chunk's entries at a time (never an empty batch): the chunk's
 * complete lines are decoded and checked at once when they are all text.
 */
export async function* readBatches(stream: Readable): AsyncGenerator<InputEntry[]> {
  let line = 0
  let parts: Buffer[] = []
  let length = 0
  /** The line grew past the limit: its first bytes, to show; the rest is dropped. */
  let tooLong: Buffer | undefined
  const finish = (last: Buffer): InputEntry | undefined => {
    line++
    if (tooLong !== undefined) {
      const shown = tooLong
      tooLong = undefined
      parts = []
      length = 0
      return {
        line,
        text: show(shown.toString('utf8')),
        problem: {
          code: 'ASYNCWITH_LINE_TOO_LONG',
          message: `Line ${line} is longer than ${MAX_LINE_BYTES} bytes: not a URL`,
        },
      }
    }
    const bytes = parts.length === 0 ? last : Buffer.concat([...parts, last])
    parts = []
    length = 0
    return classify(line, bytes)
  }
  const take = (piece: Buffer): void => {
    if (tooLong !== undefined) return
    if (length + piece.length > MAX_LINE_BYTES) {
      tooLong = Buffer.concat([...parts, piece]).subarray(0, SHOWN_CHARS * 4)
      parts = []
      length = 0
      return
    }
    if (piece.length > 0) {
      // A chunk's buffer is reused by nobody, but copy small tails so one long-lived slice
      // does not pin a whole 64 KiB chunk.
      parts.push(piece.length < 1024 ? Buffer.from(piece) : piece)
      length += piece.length
    }
  }
  try {
    for await (const chunk of stream) {
      const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer)
      const batch: InputEntry[] = []
      let at = 0
      // The fast path below is tried once a chunk, so a bad line costs one scan, not one a line.
      let tried = false
      for (;;) {
        const nl = data.indexOf(10, at)
        if (nl === -1) {
          take(data.subarray(at))
          break
        }
        if (!tried && (at > 0 || (parts.length === 0 && tooLong === undefined))) {
          tried = true
          // A line start: the complete lines up to the chunk's last newline, at once, when
          // none can be too long and all are text (a newline byte never falls inside a UTF-8
          // sequence, so splitting the decoded text is splitting the bytes).
          const last = data.lastIndexOf(10)
          if (last > nl && last - at <= MAX_LINE_BYTES) {
            const region = data.subarray(at, last)
            if (!region.includes(0) && isUtf8(region)) {
              for (const raw of region.toString('utf8').split('\n')) {
                line++
                const text = raw.trim()
                if (text !== '' && !text.startsWith('#')) batch.push({ line, text })
              }
              at = last + 1
              continue
            }
          }
        }
        const piece = data.subarray(at, nl)
        at = nl + 1
        if (tooLong === undefined && length + piece.length > MAX_LINE_BYTES) take(piece)
        const entry = tooLong === undefined ? finish(piece) : finish(Buffer.alloc(0))
        if (entry !== undefined) batch.push(entry)
      }
      if (batch.length > 0) yield batch
    }
  } catch (error) {
    // A destroyed stream (an interrupt) ends the input; a real read error is reported.
    if (stream.destroyed && (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE')
      return
    if ((error as { name?: string }).name === 'AbortError') return
    throw error
  }
  if (length > 0 || tooLong !== undefined) {
    const entry = finish(Buffer.alloc(0))
    if (entry !== undefined) yield [entry]
  }
}

/** Classifies one line's bytes: skipped (undefined), a URL, or a problem. */
function classify(line: number, bytes: Buffer): InputEntry | undefined {
  const raw = bytes.toString('utf8')
  const text = raw.trim()
  if (text === '' || text.startsWith('#')) return undefined
  if (bytes.includes(0)) {
    return {
      line,
      text: show(text),
      problem: {
        code: 'ASYNCWITH_BINARY_INPUT',
        message: `Line ${line} holds NUL bytes: the input looks binary, not a list of URLs`,
      },
    }
  }
  if (!isUtf8(bytes)) {
    return {
      line,
      text: show(text),
      problem: {
        code: 'ASYNCWITH_BINARY_INPUT',
        message: `Line ${line} is not valid UTF-8 text`,
      },
    }
  }
  return { line, text }
}

function show(text: string): string {
  const clean = text.replace(/\0/g, '\uFFFD')
  return clean.length > SHOWN_CHARS ? `${clean.slice(0, SHOWN_CHARS)}…` : clean
}
