// `--resume`: the JSONL output is the journal. Before appending, the file is repaired (a torn
// last line, cut by a crash mid-write, is truncated away) and read once, streamed, to learn
// which inputs already have a record. An input counts as recorded only when both its line
// number and its text match, so a changed input file is fetched again where it changed.
import { Buffer } from 'node:buffer'
import { closeSync, createReadStream, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs'
import { createInterface } from 'node:readline'

/**
 * Which (line, input) pairs have a record: per line number, a 32-bit hash of the input text
 * (0 = none), in one growable typed array, so tens of millions of lines cost 4 bytes each.
 */
export class RecordedSet {
  #hashes = new Uint32Array(1024)
  #size = 0

  /** Records that were added (a line counted once). */
  get size(): number {
    return this.#size
  }

  add(line: number, input: string): void {
    if (!Number.isSafeInteger(line) || line < 1 || line > 0xffff_ffff) return
    if (line >= this.#hashes.length) {
      let capacity = this.#hashes.length
      while (capacity <= line) capacity *= 2
      const grown = new Uint32Array(capacity)
      grown.set(this.#hashes)
      this.#hashes = grown
    }
    if (this.#hashes[line] === 0) this.#size++
    this.#hashes[line] = hash(input)
  }

  has(line: number, input: string): boolean {
    return line < this.#hashes.length && this.#hashes[line] === hash(input)
  }
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
  /** Lines that were not records (not JSON, or no `line`/`input`); left in place. */
  readonly unreadable: number
}

/**
 * Repairs `path` (truncates it after its last `\n`) and collects the records in it. A missing
 * file is an empty journal.
 */
export async function prepareResume(path: string): Promise<ResumeState> {
  let fd: number
  try {
    fd = openSync(path, 'r+')
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') {
      return { recorded: new RecordedSet(), repairedBytes: 0, unreadable: 0 }
    }
    throw error
  }
  let repairedBytes = 0
  try {
    const size = fstatSync(fd).size
    const keep = endOfLastLine(fd, size)
    if (keep < size) {
      ftruncateSync(fd, keep)
      repairedBytes = size - keep
    }
  } finally {
    closeSync(fd)
  }
  const recorded = new RecordedSet()
  let unreadable = 0
  const lines = createInterface({
    input: createReadStream(path, { highWaterMark: 256 * 1024 }),
    crlfDelay: Number.POSITIVE_INFINITY,
  })
  for await (const text of lines) {
    if (text === '') continue
    let record: { line?: unknown; input?: unknown }
    try {
      record = JSON.parse(text) as typeof record
    } catch {
      unreadable++
      continue
    }
    if (typeof record?.line === 'number' && typeof record.input === 'string') {
      recorded.add(record.line, record.input)
    } else unreadable++
  }
  return { recorded, repairedBytes, unreadable }
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
