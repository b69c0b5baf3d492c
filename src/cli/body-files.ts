// `--body-dir`: each body streamed to a temporary file while it arrives, then renamed to its
// final name once the record's line is known. Nothing partial is ever left under a final name.
import { randomBytes } from 'node:crypto'
import { mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { open, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { HttpResponse } from '../http/index.js'
import { BodyWriteError, describeFsError, UsageError } from './errors.js'
import type { InputEntry } from './input.js'
import { bodyFileName, type RecordContext, type SavedBody } from './records.js'

/**
 * Creates `dir` when missing and checks that a file can be written there, so a read-only
 * or forbidden directory is one usage error naming its real cause, before any request.
 * @throws {@link UsageError} When it cannot be created or written.
 */
export function prepareBodyDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true })
    const probe = join(dir, `.asyncwith-${randomBytes(8).toString('hex')}.probe`)
    writeFileSync(probe, '', { flag: 'wx' })
    rmSync(probe, { force: true })
  } catch (error) {
    throw new UsageError(`cannot write to --body-dir '${dir}': ${describeFsError(error)}`)
  }
}

/**
 * Streams a body into a temporary file in `dir` (its final name needs the input's line, which
 * the reader does not know); a retry starts a new file, a failure removes it.
 */
export async function saveBody(dir: string, response: HttpResponse): Promise<SavedBody> {
  const tempPath = join(dir, `.asyncwith-${randomBytes(8).toString('hex')}.part`)
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(tempPath, 'w')
  } catch (error) {
    await response.release()
    throw bodyWriteError(tempPath, error)
  }
  let bytes = 0
  let writing = false
  try {
    for await (const chunk of response.body) {
      writing = true
      let at = 0
      while (at < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, at, chunk.byteLength - at)
        at += bytesWritten
      }
      writing = false
      bytes += chunk.byteLength
    }
    writing = true
    await handle.close()
    return { tempPath, bytes }
  } catch (error) {
    await handle.close().catch(() => {})
    await unlink(tempPath).catch(() => {})
    if (writing) {
      await response.release()
      throw bodyWriteError(tempPath, error)
    }
    throw error
  }
}

/** Renames a saved body to its final, safe name in `dir`. */
export async function placeBody(
  dir: string,
  entry: InputEntry,
  saved: SavedBody,
): Promise<RecordContext['bodyFile']> {
  const path = join(dir, bodyFileName(entry.line, entry.text))
  try {
    await rename(saved.tempPath, path)
    return { path, bytes: saved.bytes }
  } catch (error) {
    await unlink(saved.tempPath).catch(() => {})
    return { error: bodyWriteError(path, error) }
  }
}

/**
 * {@link placeBody}, synchronously: for a `--queue` worker, whose record is built inside the
 * frontier's (synchronous) record format, where the line is first known. A rename is one
 * metadata operation, short even on shared storage.
 */
export function placeBodySync(
  dir: string,
  entry: Pick<InputEntry, 'line' | 'text'>,
  saved: SavedBody,
): RecordContext['bodyFile'] {
  const path = join(dir, bodyFileName(entry.line, entry.text))
  try {
    renameSync(saved.tempPath, path)
    return { path, bytes: saved.bytes }
  } catch (error) {
    try {
      unlinkSync(saved.tempPath)
    } catch {}
    return { error: bodyWriteError(path, error) }
  }
}

function bodyWriteError(path: string, cause: unknown): BodyWriteError {
  return new BodyWriteError(`Cannot write the body to ${path}: ${describeFsError(cause)}`, {
    cause,
  })
}
