// The counting side of a run: every written record is counted once, into the totals the
// summary line prints and, for a reporter that wants them, one RecordSummary each.
import type { RecordFacts } from './records.js'
import type { RecordSummary, Reporter, RunSummary } from './reporter.js'

const CLASS_KEYS = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx']

/** A summary with nothing counted yet (also the `--queue` coordinator's starting point). */
export function emptySummary(): RunSummary {
  return {
    total: 0,
    ok: 0,
    failed: 0,
    byStatusClass: {},
    errors: {},
    wallMs: 0,
    interrupted: false,
    skipped: 0,
  }
}

/**
 * Totals of a run, fed one record's facts at a time.
 * @example
 * const counter = new SummaryCounter(reporter, true)
 * counter.count(facts)
 * reporter.finish(counter.summary)
 */
export class SummaryCounter {
  readonly summary: RunSummary = emptySummary()
  readonly #reporter: Reporter
  readonly #forward: boolean

  /**
   * @param reporter - Told of every record when `forward` is true.
   * @param forward - False for a reporter known to ignore records (a quiet one).
   */
  constructor(reporter: Reporter, forward: boolean) {
    this.#reporter = reporter
    this.#forward = forward
  }

  /** Counts one written record. */
  count(facts: RecordFacts): void {
    const summary = this.summary
    summary.total++
    if (facts.ok) summary.ok++
    else summary.failed++
    const { status, errorCode } = facts
    if (status !== undefined) {
      const group = Math.floor(status / 100)
      const key = CLASS_KEYS[group] ?? `${group}xx`
      summary.byStatusClass[key] = (summary.byStatusClass[key] ?? 0) + 1
    }
    if (errorCode !== undefined) summary.errors[errorCode] = (summary.errors[errorCode] ?? 0) + 1
    if (this.#forward) {
      const record: RecordSummary = { ok: facts.ok, bytes: facts.bytes }
      if (status !== undefined) record.status = status
      if (errorCode !== undefined) record.errorCode = errorCode
      this.#reporter.record(record)
    }
  }

  /** Counts an input already recorded by an earlier run. */
  skip(): void {
    this.summary.skipped++
  }
}
