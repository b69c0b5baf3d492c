// What an attempt must hold before it is sent: a permit of its origin (at most `connections`
// requests per origin, so undici never queues one) and a permit of the host gate (per-host
// limit and rate limit, local by default, shared between processes when the user says so).
import type { Permit } from '../task/index.js'
import { KeyedSemaphores } from './_keyed-semaphores.js'
import { _LocalHostGate, type HostGate, type HostPermit } from './host-gate.js'

/** How long a wait for a permit lasts before the watchdog looks at what blocks it. */
const STUCK_AFTER = 5000

/** The permits one attempt holds; the attempt object itself carries them. */
export interface PermitHolder {
  originPermit: Permit | undefined
  hostPermit: HostPermit | undefined
}

export class Permits {
  readonly #origins: KeyedSemaphores
  readonly #gate: HostGate
  readonly #local: _LocalHostGate | undefined
  /** Attempts waiting for a permit. */
  waiting = 0
  readonly #onStuck: () => void
  /**
   * Runs while an attempt waits. It keeps the process alive: a wait on a promise alone would
   * let Node.js exit silently mid-work (code 13) when what it waits for can never come, such
   * as a connection held by a response nobody reads. Every {@link STUCK_AFTER} ms it lets the
   * engine say what blocks.
   */
  #watchdog: ReturnType<typeof setInterval> | undefined = undefined

  constructor(connections: number, gate: HostGate, onStuck: () => void) {
    this.#origins = new KeyedSemaphores(connections)
    this.#gate = gate
    this.#local = gate instanceof _LocalHostGate ? gate : undefined
    this.#onStuck = onStuck
  }

  /** Takes both permits without waiting, when the local gate has them free. */
  tryTake(holder: PermitHolder, url: URL): boolean {
    const local = this.#local
    if (local === undefined) return false
    const origin = this.#origins.tryAcquire(url.origin)
    if (origin === undefined) return false
    const host = local.tryAcquire(url.hostname)
    if (host === undefined) {
      origin.release()
      return false
    }
    holder.originPermit = origin
    holder.hostPermit = host
    return true
  }

  /**
   * Waits for the origin's permit, then the gate's: the gate (which may take a rate-limit
   * token) is asked last, so what it counts are starts, not waits. Every attempt takes the
   * two in that order, so two attempts never wait for each other's.
   */
  async take(holder: PermitHolder, url: URL, signal: AbortSignal): Promise<void> {
    if (this.waiting++ === 0) this.#watchdog = setInterval(this.#onStuck, STUCK_AFTER)
    try {
      const origin = await this.#origins.acquire(url.origin, signal)
      let host: HostPermit
      try {
        host = await this.#gate.acquire(url.hostname, { signal })
      } catch (error) {
        origin.release()
        throw error
      }
      holder.originPermit = origin
      holder.hostPermit = host
    } finally {
      if (--this.waiting === 0) {
        clearInterval(this.#watchdog)
        this.#watchdog = undefined
      }
    }
  }

  /** Gives back what `holder` holds; safe to call more than once. */
  release(holder: PermitHolder): void {
    const { originPermit, hostPermit } = holder
    holder.originPermit = undefined
    holder.hostPermit = undefined
    originPermit?.release()
    try {
      hostPermit?.release()
    } catch (error) {
      // A user's gate failed to take its permit back. This runs inside undici's callbacks,
      // where a throw would break the connection of an exchange that went well: say it.
      process.emitWarning(
        `The hostGate permit's release() threw: ${error instanceof Error ? error.message : String(error)}`,
        { code: 'ASYNCWITH_HTTP_GATE_RELEASE' },
      )
    }
  }
}
