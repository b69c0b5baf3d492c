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
