// `asyncwith failed RECORDS_FILE`: the inputs of a finished run that are not ok, one per line
// in line order, as a new input list; re-fetching only the failures needs no hand editing.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Writable } from 'node:stream'
import { describeFsError, UsageError } from './errors.js'

/**
 * Writes the `input` of every record in `path` that is not ok to `out` and resolves to the
 * count. A later record of the same line (a resumed run) replaces an earlier one.
 * @throws {@link UsageError} When the file cannot be read or a line is not a record.
 * @example
 * // asyncwith failed out.jsonl > again.txt
 * await writeFailedInputs('out.jsonl', process.stdout)
 */
export async function writeFailedInputs(path: string, out: Writable): Promise<number> {
  const failed = new Map<number, string>()
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 })
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
  let fileLine = 0
  // A line that is not a record is refused, unless it is the last one: a record torn by a
  // crash, which is no input's record yet.
  let bad: number | undefined
  try {
    for await (const text of lines) {
      fileLine++
      if (text === '') continue
      if (bad !== undefined) break
      const record = parse(text)
      if (record === undefined) bad = fileLine
      else if (record.ok) failed.delete(record.line)
      else failed.set(record.line, record.input)
    }
    if (bad !== undefined && bad !== fileLine) {
      throw new UsageError(`'${path}' line ${bad} is not a record of asyncwith fetch`)
    }
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`cannot read '${path}': ${describeFsError(error)}`)
  } finally {
    lines.close()
    stream.destroy()
  }
  const inputs = [...failed].sort(([a], [b]) => a - b).map(([, input]) => `${input}\n`)
  if (inputs.length > 0) out.write(inputs.join(''))
  return inputs.length
}

function parse(text: string): { line: number; input: string; ok: boolean } | undefined {
  try {
    const record = JSON.parse(text) as { line?: unknown; input?: unknown; ok?: unknown } | null
    if (
      typeof record?.line !== 'number' ||
      typeof record.input !== 'string' ||
      typeof record.ok !== 'boolean'
    ) {
      return undefined
    }
    return { line: record.line, input: record.input, ok: record.ok }
  } catch {
    return undefined
  }
}
