// `--resume`: the JSONL output is the journal. Before anything is written, the file is read
// once, streamed: every line must be a record (else it is not this program's output), and
// every record must be of this same input (else it is another run's). Only then is a torn last
// line, cut by a crash mid-write, truncated away. An input counts as recorded when both its
// line number and its text match.
import { Buffer } from 'node:buffer'
import { closeSync, createReadStream, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { UsageError } from './errors.js'
import type { InputEntry } from './input.js'

/**
 * Which (line, input) pairs have a record: per line number, a 32-bit hash of the input text
 * (0 = none) and the records file's line holding it, in growable typed arrays, so tens of
 * millions of lines cost 8 bytes each.
 */
export class RecordedSet {
  #hashes = new Uint32Array(1024)
  #fileLines = new Uint32Array(1024)
  #size = 0

  /** Records that were added (a line counted once). */
  get size(): number {
    return this.#size
  }

  /** Notes that line `fileLine` of the records file records input `line` as `input`. */
  add(line: number, input: string, fileLine = 0): void {
    if (!Number.isSafeInteger(line) || line < 1 || line > 0xffff_ffff) return
    if (line >= this.#hashes.length) {
      let capacity = this.#hashes.length
      while (capacity <= line) capacity *= 2
      this.#hashes = grow(this.#hashes, capacity)
      this.#fileLines = grow(this.#fileLines, capacity)
    }
    if (this.#hashes[line] === 0) this.#size++
    this.#hashes[line] = hash(input)
    this.#fileLines[line] = fileLine
  }

  has(line: number, input: string): boolean {
    return line < this.#hashes.length && this.#hashes[line] === hash(input)
  }

  /** The records file's line that records input `line`, or 0 when none does. */
  fileLineOf(line: number): number {
    return line < this.#hashes.length && this.#hashes[line] !== 0 ? this.#fileLines[line]! : 0
  }

  /** One more than the highest line number that can be recorded without growing. */
  get capacity(): number {
    return this.#hashes.length
  }

  /** Every recorded input line, ascending. */
  *lines(): Generator<number> {
    for (let line = 1; line < this.#hashes.length; line++) if (this.#hashes[line] !== 0) yield line
  }
}

function grow(array: Uint32Array, capacity: number) {
  const grown = new Uint32Array(capacity)
  grown.set(array)
  return grown
}

/** FNV-1a over UTF-16 code units, never 0 (0 marks "no record"). */
function hash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0 || 1
}

/** What {@link prepareResume} found. */
export interface ResumeState {
  readonly recorded: RecordedSet
  /** Bytes cut off the end: a torn last line (0 when the file ended cleanly). */
  readonly repairedBytes: number
}

/**
 * Reads the records in `path`, refuses a file that is not records, then repairs it (truncates
 * a torn record after the last `\n`). A missing file is an empty journal.
 * @throws {@link UsageError} Naming the first line that is not a record; nothing is changed.
 */
export async function prepareResume(path: string): Promise<ResumeState> {
  let fd: number
  try {
    fd = openSync(path, 'r+')
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') {
      return { recorded: new RecordedSet(), repairedBytes: 0 }
    }
    throw error
  }
  try {
    const size = fstatSync(fd).size
    const keep = endOfLastLine(fd, size)
    const recorded = new RecordedSet()
    let fileLine = 0
    if (keep > 0) {
      const lines = createInterface({
        input: createReadStream(path, { start: 0, end: keep - 1, highWaterMark: 256 * 1024 }),
        crlfDelay: Number.POSITIVE_INFINITY,
      })
      for await (const text of lines) {
        fileLine++
        if (text === '') continue
        const record = parseRecord(text)
        if (record === undefined) throw notRecords(path, fileLine, text)
        recorded.add(record.line, record.input, fileLine)
      }
    }
    if (keep < size) {
      // A crash tears a record, never anything else: a tail that is not one is not ours.
      const tail = Buffer.alloc(Math.min(size - keep, 200))
      readSync(fd, tail, 0, tail.length, keep)
      const text = tail.toString('utf8')
      // (It may be cut anywhere, even inside the `{"line":` every record starts with.)
      if (!text.startsWith(RECORD_START) && !RECORD_START.startsWith(text)) {
        throw notRecords(path, fileLine + 1, text)
      }
      ftruncateSync(fd, keep)
    }
    return { recorded, repairedBytes: size - keep }
  } finally {
    closeSync(fd)
  }
}

/** How every record line begins. */
const RECORD_START = '{"line":'

function parseRecord(text: string): { line: number; input: string } | undefined {
  try {
    const record = JSON.parse(text) as { line?: unknown; input?: unknown } | null
    const line = record?.line
    return typeof line === 'number' &&
      Number.isSafeInteger(line) &&
      line >= 1 &&
      typeof record!.input === 'string'
      ? { line, input: record!.input }
      : undefined
  } catch {
    return undefined
  }
}

function notRecords(path: string, fileLine: number, text: string): UsageError {
  const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text
  return new UsageError(
    `cannot resume: '${path}' line ${fileLine} is not a record of asyncwith fetch (${JSON.stringify(shown)}); nothing was written`,
  )
}

/**
 * The mismatch of one entry against the records: a record of the same input line with other
 * text means the records are of another input list. Undefined when it agrees.
 */
export function entryMismatch(
  recorded: RecordedSet,
  entry: InputEntry,
  path: string,
  outcome = 'nothing was written',
): UsageError | undefined {
  const fileLine = recorded.fileLineOf(entry.line)
  if (fileLine === 0 || recorded.has(entry.line, entry.text)) return undefined
  return new UsageError(
    `cannot resume: '${path}' line ${fileLine} records input line ${entry.line} with other text than ${JSON.stringify(entry.text)}: the records are of another input; ${outcome}`,
  )
}

/**
 * Checks every entry of a re-readable input against the records before the run: each record
 * must be of an input line there with the same text.
 * @throws {@link UsageError} Naming the first records-file line that does not agree.
 */
export async function checkRecordsMatch(
  recorded: RecordedSet,
  entries: AsyncIterable<InputEntry>,
  path: string,
): Promise<void> {
  if (recorded.size === 0) return
  let first: { fileLine: number; error: UsageError } | undefined
  // One byte per possible line: which recorded lines this input has.
  const seen = new Uint8Array(recorded.capacity)
  let matched = 0
  for await (const entry of entries) {
    const error = entryMismatch(recorded, entry, path)
    if (error !== undefined) {
      const fileLine = recorded.fileLineOf(entry.line)
      if (first === undefined || fileLine < first.fileLine) first = { fileLine, error }
    } else if (recorded.fileLineOf(entry.line) !== 0 && seen[entry.line] === 0) {
      seen[entry.line] = 1
      matched++
    }
  }
  if (matched < recorded.size) {
    for (const line of recorded.lines()) {
      if (seen[line] === 1) continue
      const fileLine = recorded.fileLineOf(line)
      if (first !== undefined && first.fileLine <= fileLine) continue
      first = {
        fileLine,
        error: new UsageError(
          `cannot resume: '${path}' line ${fileLine} records input line ${line}, which this input does not have: the records are of another input; nothing was written`,
        ),
      }
    }
  }
  if (first !== undefined) throw first.error
}

/** The offset just after the last `\n` in the file (0 when there is none). */
function endOfLastLine(fd: number, size: number): number {
  const block = Buffer.alloc(64 * 1024)
  let end = size
  while (end > 0) {
    const start = Math.max(0, end - block.length)
    const n = readSync(fd, block, 0, end - start, start)
    const at = block.subarray(0, n).lastIndexOf(10)
    if (at !== -1) return start + at + 1
    end = start
  }
  return 0
}
