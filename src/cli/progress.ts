/**
 * The terminal side of `asyncwith fetch`: a progress bar on stderr while a run goes, and one
 * summary line when it ends.
 *
 * The bar is drawn only when the stream is a terminal and the run is not `--quiet`; it is one
 * line, redrawn in place (`\r` and erase-line) at most ten times a second, and erased before
 * the summary is written, so nothing of it stays on screen or lands in a log file. A terminal
 * that asks for no control codes (`TERM=dumb`, or `NO_COLOR` set) gets no redraws: a plain
 * progress line every few seconds instead. The summary line is written whenever the run is
 * not `--quiet`, terminal or not.
 */
import type { RecordSummary, Reporter, RunSummary } from './reporter.js'

/** Where progress goes: stderr in the CLI, any writable with `isTTY`/`columns` in tests. */
export interface ProgressStream {
  write(chunk: string): unknown
  readonly isTTY?: boolean
  readonly columns?: number
}

/** Options for {@link createReporter}. */
export interface CreateReporterOptions {
  /** Usually `process.stderr`. */
  readonly stream: ProgressStream
  /** `true` shows nothing at all: no bar and no summary. */
  readonly quiet: boolean
  /**
   * Whether `stream` is a terminal, that is, whether to draw the bar.
   * @defaultValue `stream.isTTY === true`
   */
  readonly isTTY?: boolean
  /**
   * The clock, in ms; tests pass a fake one.
   * @defaultValue `performance.now`
   */
  readonly now?: () => number
  /**
   * Least time between two frames of the bar, in ms.
   * @defaultValue 100
   */
  readonly interval?: number
  /**
   * The environment: `TERM=dumb` or a non-empty `NO_COLOR` turn the redrawn bar into plain
   * lines, one every `plainInterval` ms.
   * @defaultValue `{}`
   */
  readonly env?: Readonly<Record<string, string | undefined>>
  /**
   * Least time between two plain progress lines, in ms.
   * @defaultValue 5000
   */
  readonly plainInterval?: number
}

/** What one frame of the bar shows. */
export interface BarState {
  readonly done: number
  /** Inputs in the run, when known before it ends. */
  readonly total: number | undefined
  /** Records per second; `undefined` before there is enough to measure. */
  readonly rate: number | undefined
  /** Records that failed: a status of 400 or more, or an error instead of a response. */
  readonly failed: number
  /** Terminal width; the frame is kept shorter than it so that it never wraps. */
  readonly columns: number
}

const CLEAR_LINE = '\r\x1b[2K'
const DEFAULT_COLUMNS = 80
const MAX_BAR_WIDTH = 30
const MIN_BAR_WIDTH = 5
/** The rate shown is measured over about this many ms, so it follows changes in speed. */
const RATE_WINDOW = 5000

/**
 * Formats a duration for the summary line: `850 ms`, `6.2 s`, `42 s`, `3 min 5 s`, `2 h 4 min`.
 * @param ms - The duration in ms.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0
  if (ms < 1000) return `${Math.round(ms)} ms`
  const seconds = ms / 1000
  if (seconds < 10) return `${(Math.round(seconds * 10) / 10).toFixed(1)} s`
  if (seconds < 60) return `${Math.round(seconds)} s`
  const total = Math.round(seconds)
  if (total < 3600) return `${Math.floor(total / 60)} min ${total % 60} s`
  return `${Math.floor(total / 3600)} h ${Math.floor((total % 3600) / 60)} min`
}

/**
 * Formats a remaining time for the bar, compactly: `5s`, `1m05s`, `2h04m`.
 * @param ms - The time left in ms.
 */
export function formatEta(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  if (total < 60) return `${total}s`
  if (total < 3600) return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`
  const hours = Math.floor(total / 3600)
  if (hours >= 100) return '>99h'
  return `${hours}h${String(Math.floor((total % 3600) / 60)).padStart(2, '0')}m`
}

/**
 * Formats a rate in records per second: `812/s`, `45/s`, `3.4/s`, `0.2/s`.
 * @param perSecond - The rate.
 */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond < 0) perSecond = 0
  if (perSecond >= 9.95) return `${Math.round(perSecond)}/s`
  return `${(Math.round(perSecond * 10) / 10).toFixed(1)}/s`
}

/**
 * Formats one frame of the progress bar, without `\r` or escape codes:
 * `[#####-----] 1234/5000 24% · 812/s · ETA 5s · 3 failed`, or `1234 done · 812/s` when the
 * total is not known. The bar part narrows, then goes, on a narrow terminal, and the frame is
 * cut to `columns - 1` characters so that it never wraps (a wrapped line cannot be redrawn).
 * @param state - What to show.
 */
export function formatBar(state: BarState): string {
  const { done, total, rate, failed } = state
  const columns = state.columns > 0 ? state.columns : DEFAULT_COLUMNS
  const parts: string[] = []
  const known = total !== undefined && total > 0
  if (known) {
    const shown = Math.min(done, total)
    parts.push(`${shown}/${total} ${Math.floor((shown / total) * 100)}%`)
  } else {
    parts.push(`${done} done`)
  }
  if (rate !== undefined) parts.push(formatRate(rate))
  if (known && rate !== undefined && rate > 0 && done < total) {
    parts.push(`ETA ${formatEta(((total - done) / rate) * 1000)}`)
  }
  if (failed > 0) parts.push(`${failed} failed`)
  let text = parts.join(' · ')
  if (known) {
    // `[` + bar + `] ` + text must fit in columns - 1.
    const width = Math.min(MAX_BAR_WIDTH, columns - 1 - text.length - 3)
    if (width >= MIN_BAR_WIDTH) {
      const filled = Math.floor((Math.min(done, total) / total) * width)
      text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`
    }
  }
  return text.length > columns - 1 ? text.slice(0, Math.max(0, columns - 1)) : text
}

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx']

/**
 * Formats the line printed when a run ends:
 * `5000 URLs in 6.2 s (806/s): 4890 2xx, 60 3xx, 30 4xx, 20 5xx; 12 errors (ASYNCWITH_TIMEOUT 8, ASYNCWITH_CONNECTION 4)`.
 * An interrupted run starts with `Interrupted: ` and ends by saying how to resume; a resumed
 * one says how many inputs were already recorded, or that there was nothing left to do.
 * @param summary - The run's totals.
 */
export function formatSummary(summary: RunSummary): string {
  const { total, wallMs } = summary
  if (total === 0 && summary.skipped > 0 && !summary.interrupted) {
    const all = summary.skipped === 1 ? 'the 1 input is' : `all ${summary.skipped} inputs are`
    return `nothing to do: ${all} recorded`
  }
  const rate = wallMs > 0 ? (total / wallMs) * 1000 : 0
  let line = `${total} ${total === 1 ? 'URL' : 'URLs'} in ${formatDuration(wallMs)} (${formatRate(rate)})`
  if (summary.skipped > 0) line += ` (${summary.skipped} already recorded, skipped)`

  const classes = Object.entries(summary.byStatusClass)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([name, count]) => `${count} ${name}`)
  const errorEntries = Object.entries(summary.errors)
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
  const errorCount = errorEntries.reduce((sum, [, count]) => sum + count, 0)

  const details: string[] = []
  if (classes.length > 0) details.push(classes.join(', '))
  if (errorCount > 0) {
    const list = errorEntries.map(([code, count]) => `${code} ${count}`).join(', ')
    details.push(`${errorCount} ${errorCount === 1 ? 'error' : 'errors'} (${list})`)
  }
  if (details.length > 0) line += `: ${details.join('; ')}`
  if (summary.interrupted) {
    line = `Interrupted: ${line}; ${summary.resumeHint ?? 'run again with --resume to continue'}`
  }
  return line
}

function rank(statusClass: string): number {
  const index = STATUS_CLASSES.indexOf(statusClass)
  return index === -1 ? STATUS_CLASSES.length : index
}

/** Whether `env` asks for no terminal control codes: `TERM=dumb`, or `NO_COLOR` set. */
export function wantsPlainOutput(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.TERM === 'dumb' || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')
}

/**
 * Makes the {@link Reporter} that `asyncwith fetch` uses: a progress bar on a terminal and a
 * summary line at the end, or nothing with `quiet`.
 *
 * With a terminal (`isTTY`, by default `stream.isTTY`) and not `quiet`, the bar is drawn at
 * `start` and redrawn from a timer (unref'd, so it never keeps the process alive) at most
 * every `interval` ms, and only when something changed; `finish` stops the timer, erases the
 * bar and writes the summary. Without a terminal no escape code or `\r` is ever written: only
 * the summary line, at `finish`. `finish` is idempotent. Write errors on the stream (a closed
 * pipe) are the stream's to report; the reporter never throws from `record`.
 *
 * @param options - The stream, `quiet`, and optionally `isTTY`, `now` and `interval`.
 * @returns A reporter to pass to `runFetch`.
 */
export function createReporter(options: CreateReporterOptions): Reporter {
  const { stream, quiet } = options
  const now = options.now ?? (() => performance.now())
  const interval = options.interval ?? 100
  const tty = options.isTTY ?? stream.isTTY === true
  const plain = tty && wantsPlainOutput(options.env ?? {})
  const plainInterval = options.plainInterval ?? 5000
  if (quiet) {
    return { start() {}, record() {}, finish() {} }
  }

  let total: number | undefined
  let done = 0
  let failed = 0
  let timer: ReturnType<typeof setInterval> | undefined
  let drawn = false
  let dirty = false
  let finished = false
  /** Recent (time, done) points for the rate; the first is at most RATE_WINDOW old. */
  const samples: Array<{ at: number; done: number }> = []

  const rate = (at: number): number | undefined => {
    samples.push({ at, done })
    while (samples.length > 2 && at - samples[1]!.at >= RATE_WINDOW) samples.shift()
    const first = samples[0]!
    const span = at - first.at
    // Under a quarter of a second the rate is noise: show none yet.
    if (span < 250) return undefined
    return ((done - first.done) / span) * 1000
  }

  const draw = (): void => {
    if (finished) return
    const frame = formatBar({
      done,
      total,
      rate: rate(now()),
      failed,
      columns: stream.columns ?? DEFAULT_COLUMNS,
    })
    if (plain) stream.write(`${frame}\n`)
    else {
      stream.write(`${CLEAR_LINE}${frame}`)
      drawn = true
    }
    dirty = false
  }

  return {
    start(info) {
      total = info.total
      samples.length = 0
      samples.push({ at: now(), done: 0 })
      if (!tty) return
      if (plain) {
        // A plain line now and then, only when something changed: a log, not an animation.
        timer = setInterval(() => {
          if (dirty) draw()
        }, plainInterval)
      } else {
        draw()
        timer = setInterval(() => {
          // Redraw when a record came in, and at least every second so the rate and ETA move.
          if (dirty || now() - (samples.at(-1)?.at ?? 0) >= 1000) draw()
        }, interval)
      }
      timer.unref?.()
    },
    record(outcome: RecordSummary) {
      done++
      if (!outcome.ok) failed++
      dirty = true
    },
    finish(summary) {
      if (finished) return
      finished = true
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      const erase = drawn ? CLEAR_LINE : ''
      if (summary.silent === true) {
        if (drawn) stream.write(erase)
        return
      }
      stream.write(`${erase}${formatSummary(summary)}\n`)
    },
  }
}
