// The stop machinery of one `fetch` run: a first interrupt (Ctrl-C, SIGTERM, the caller's
// signal) stops reading inputs and gives the requests in flight GRACE_MS to finish; a second
// signal flushes what is buffered and exits at once. A failed output stops the run too.

/** How long requests in flight may finish after the first interrupt, in ms. */
export const GRACE_MS = 1000

/** Thrown into the requests still in flight when the run must end now. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError'
}

/** What a {@link RunStop} needs from the run. */
export interface RunStopOptions {
  /** Stops the input (destroys its stream, so a pending stdin read settles). */
  readonly closeInput: () => void
  /** Aborting it is a first Ctrl-C. */
  readonly interrupt?: AbortSignal | undefined
  /** Install SIGINT/SIGTERM handlers (the CLI's own process only). */
  readonly handleSignals: boolean
  /** Called on a second signal, just before the process exits with `exitCode`. */
  readonly flush: () => void
  readonly exitCode: number
}

/**
 * The stop state of a run. `reading` ends the inputs, `requests` aborts the calls in flight.
 * @example
 * const stop = new RunStop({ closeInput, handleSignals: true, flush, exitCode: 130 })
 * try { ... } finally { stop.dispose() }
 */
export class RunStop {
  readonly #reading = new AbortController()
  readonly #requests = new AbortController()
  readonly #options: RunStopOptions
  #interrupted = false
  #grace: ReturnType<typeof setTimeout> | undefined
  #signals = 0
  readonly #onInterrupt = (): void => this.interrupt()
  readonly #onSignal = (): void => {
    if (++this.#signals === 1) {
      this.interrupt()
      return
    }
    this.#options.flush()
    process.exit(this.#options.exitCode)
  }

  constructor(options: RunStopOptions) {
    this.#options = options
    if (options.handleSignals) {
      process.on('SIGINT', this.#onSignal)
      process.on('SIGTERM', this.#onSignal)
    }
    if (options.interrupt?.aborted) this.interrupt()
    else options.interrupt?.addEventListener('abort', this.#onInterrupt, { once: true })
  }

  /** Aborts when no more inputs may be read. */
  get reading(): AbortSignal {
    return this.#reading.signal
  }

  /** Aborts when the requests in flight must end now. */
  get requests(): AbortSignal {
    return this.#requests.signal
  }

  /** Whether an interrupt (not an output failure) stopped the run. */
  get interrupted(): boolean {
    return this.#interrupted
  }

  /** Stops reading inputs; those already started go on. */
  stopReading(): void {
    if (this.#reading.signal.aborted) return
    this.#reading.abort()
    this.#options.closeInput()
  }

  /** A first Ctrl-C: stop reading, and end the requests in flight after {@link GRACE_MS}. */
  interrupt(): void {
    if (this.#interrupted) return
    this.#interrupted = true
    this.stopReading()
    this.#grace = setTimeout(
      () => this.#requests.abort(new InterruptedError('Interrupted')),
      GRACE_MS,
    )
  }

  /** Ends everything now, because the output failed: there is nowhere to put records. */
  fail(): void {
    this.stopReading()
    this.#requests.abort(new InterruptedError('Output failed'))
  }

  /** Whether `error` is only this stop's own abort reason (the run ended as asked). */
  isOwnAbort(error: unknown): boolean {
    return this.#requests.signal.aborted && error === this.#requests.signal.reason
  }

  /** Removes the timer and every listener. */
  dispose(): void {
    if (this.#grace !== undefined) clearTimeout(this.#grace)
    this.#options.interrupt?.removeEventListener('abort', this.#onInterrupt)
    this.stopReading()
    if (this.#options.handleSignals) {
      process.off('SIGINT', this.#onSignal)
      process.off('SIGTERM', this.#onSignal)
    }
  }
}
