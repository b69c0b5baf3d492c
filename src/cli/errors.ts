// Errors of the `asyncwith` command line.
import { AsyncWithError } from '../context/index.js'

/**
 * Thrown for a command line that cannot run: an unknown option, a bad value, a missing input
 * file. Its `message` is one line without the program name; `main` prints it, points to
 * `--help`, and exits with status 2.
 */
export class UsageError extends AsyncWithError {
  override readonly name = 'UsageError'
  override readonly code = 'ASYNCWITH_USAGE'
}

/**
 * Thrown (and recorded as the input's `error`) when a body cannot be written under
 * `--body-dir`: a full disk, a read-only directory. `cause` is the `fs` error.
 */
export class BodyWriteError extends AsyncWithError {
  override readonly name = 'BodyWriteError'
  override readonly code = 'ASYNCWITH_BODY_WRITE'
}

/**
 * A file-system error in the CLI's words: `no such file`, `permission denied (EACCES)`,
 * `read-only file system (EROFS)`, …, else its own message.
 * @example
 * describeFsError(Object.assign(new Error('…'), { code: 'ENOENT' })) // 'no such file'
 */
export function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  const text = typeof code === 'string' ? FS_ERRORS[code] : undefined
  if (text !== undefined) return code === 'ENOENT' ? text : `${text} (${code})`
  return error instanceof Error ? error.message : String(error)
}

const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'it already exists',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  EIO: 'input/output error',
  EFBIG: 'the file is too large',
  EPIPE: 'the reader closed the pipe',
}
