// The JSONL writer of `asyncwith fetch`. Records are buffered and written in batches (every
// FLUSH_RECORDS records, FLUSH_CHARS characters or FLUSH_MS ms, whichever comes first), each
// batch as one write of whole lines, so a crash loses at most the last batch and leaves at
// most one torn line, which `--resume` repairs. No fsync: a killed process loses nothing the kernel already has.
import { Buffer } from 'node:buffer'
import { closeSync, openSync, writeSync } from 'node:fs'
import type { Writable } from 'node:stream'

/** Records buffered before a write. */
export const FLUSH_RECORDS = 256
/** Characters of records buffered before a write (large bodies make few records a batch). */
export const FLUSH_CHARS = 256 * 1024
/** Longest a record waits in the buffer, in ms. */
export const FLUSH_MS = 100

/** Where records go: a file (written with `writeSync`) or a stream (stdout, with back-pressure). */
export type OutputTarget =
  | { readonly path: string; readonly append: boolean }
  | { readonly stream: Writable }

export class RecordWriter {
  /** Buffered records, each with its newline. */
  #pending = ''
  #count = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #fd: number | undefined
  #stream: Writable | undefined
  #drained: Promise<void> | undefined
  #error: Error | undefined
  #closed = false
  /** Records whose every byte was handed to the file or stream. */
  #written = 0
  readonly #onError: (error: Error) => void
  readonly #onStreamError = (error: Error): void => this.#fail(error)

  /**
   * Opens the target (a file is created, or truncated unless `append`).
   * @param onError - Called once when a write fails (a full disk, a closed pipe).
   * @throws The `fs` error when the file cannot be opened.
   */
  constructor(target: OutputTarget, onError: (error: Error) => void) {
    this.#onError = onError
    if ('path' in target) this.#fd = openSync(target.path, target.append ? 'a' : 'w')
    else {
      this.#stream = target.stream
      this.#stream.on('error', this.#onStreamError)
    }
  }

  /** The first write error, if any; records after it are dropped. */
  get error(): Error | undefined {
    return this.#error
  }

  /**
   * Records wholly written so far: after a write error, how many are safely in the file
   * (a torn one after them is what `--resume` repairs).
   */
  get written(): number {
    return this.#written
  }

  /** Buffers one record (a JSON text without a newline). */
  write(record: string): void {
    if (this.#error !== undefined || this.#closed) return
    this.#pending += `${record}\n`
    if (++this.#count >= FLUSH_RECORDS || this.#pending.length >= FLUSH_CHARS) this.flush()
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        this.flush()
      }, FLUSH_MS)
    }
  }

  /** Resolves when the stream has room again; `undefined` when it has room now. */
  ready(): Promise<void> | undefined {
    return this.#drained
  }

  /** Writes every buffered record now, as whole lines, synchronously for a file. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    if (this.#count === 0 || this.#error !== undefined) return
    const text = this.#pending
    const count = this.#count
    this.#pending = ''
    this.#count = 0
    if (this.#fd !== undefined) {
      const fd = this.#fd
      let done = 0
      try {
        done = writeAll(fd, text, (bytes) => {
          done = bytes
        })
        this.#written += count
      } catch (error) {
        this.#written += completeLines(text, done)
        this.#fail(error as Error)
      }
      return
    }
    const stream = this.#stream!
    // A stream reports its errors later ('error'): a batch counts once handed over.
    this.#written += count
    if (!stream.write(text) && this.#drained === undefined) {
      this.#drained = new Promise<void>((resolve) => {
        const done = (): void => {
          stream.off('drain', done)
          stream.off('close', done)
          this.#drained = undefined
          resolve()
        }
        stream.on('drain', done)
        stream.on('close', done)
      })
    }
  }

  /** Flushes and closes a file; a stream is flushed and left open (it is stdout). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.flush()
    this.#closed = true
    if (this.#fd !== undefined) {
      try {
        closeSync(this.#fd)
      } catch {}
      this.#fd = undefined
    } else if (this.#drained !== undefined) await this.#drained
    this.#stream?.off('error', this.#onStreamError)
  }

  #fail(error: Error): void {
    if (this.#error !== undefined) return
    this.#error = error
    this.#pending = ''
    this.#count = 0
    this.#onError(error)
  }
}

/**
 * `writeSync` may write less than asked (a signal, a pipe, a disk filling up): loop until all
 * of it is out. The text is written as a string first (no intermediate Buffer); a short write
 * continues from its bytes. `progress` learns the bytes written so far before each retry, so
 * a failing write still tells how much got out. Returns the bytes written.
 */
function writeAll(fd: number, text: string, progress: (bytes: number) => void): number {
  const written = writeSync(fd, text)
  // A string never has more UTF-16 units than UTF-8 bytes: fewer bytes written than units
  // is surely short; otherwise only the exact byte length tells.
  if (written >= text.length && written === Buffer.byteLength(text, 'utf8')) return written
  const bytes = Buffer.from(text, 'utf8')
  let at = written
  while (at < bytes.length) {
    progress(at)
    at += writeSync(fd, bytes, at, bytes.length - at)
  }
  return at
}

/** Whole lines (each ending in `\n`) among the first `bytes` UTF-8 bytes of `text`. */
function completeLines(text: string, bytes: number): number {
  const head = Buffer.from(text, 'utf8').subarray(0, bytes)
  let lines = 0
  for (let at = head.indexOf(10); at !== -1; at = head.indexOf(10, at + 1)) lines++
  return lines
}
