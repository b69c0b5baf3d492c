/**
 * The progress-reporting contract between `asyncwith fetch` and whatever
 * shows progress (a TTY bar, a one-line summary, or nothing).
 *
 * `fetch-command.ts` calls `start` once, `record` once per written record,
 * and `finish` once, even after an interrupt.
 */

/** What the reporter learns about one finished input. */
export type RecordSummary = {
  /** `true` when the request succeeded with a status below 400. */
  ok: boolean
  /** HTTP status, when a response arrived. */
  status?: number
  /** Stable error code (e.g. `ASYNCWITH_TIMEOUT`, `ASYNCWITH_INVALID_URL`), when it failed with an error. */
  errorCode?: string
  /** Body bytes received (0 when none). */
  bytes: number
}

/** Totals for the whole run, given to {@link Reporter.finish}. */
export type RunSummary = {
  /** Records written in this run (not counting `skipped`). */
  total: number
  ok: number
  failed: number
  /** Counts keyed by '2xx', '3xx', '4xx', '5xx'. */
  byStatusClass: Record<string, number>
  /** Error counts keyed by stable error code. */
  errors: Record<string, number>
  /** Wall-clock duration of the run in ms. */
  wallMs: number
  /** `true` when SIGINT stopped the run before all inputs were read. */
  interrupted: boolean
  /** Inputs already recorded in the output file when resuming. */
  skipped: number
  /**
   * What an interrupted run's summary ends with: the exact command that continues it, or why
   * it cannot be continued.
   * @defaultValue 'run again with --resume to continue'
   */
  resumeHint?: string
  /**
   * The run ended in a way that has its own message (or, for a closed stdout, none): erase
   * the bar and print no summary line.
   */
  silent?: boolean
}

/** Receives progress events from `asyncwith fetch`. */
export interface Reporter {
  start(info: { total: number | undefined }): void
  record(outcome: RecordSummary): void
  finish(summary: RunSummary): void
}
