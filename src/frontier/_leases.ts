// The lines one worker holds, shared by its lease source (which takes them) and its committer
// (which lets them go), with the wake-up and the first fatal error both of them obey.
import type { HostPermit } from '../http/index.js'
import type { FrontierItem } from './redis-frontier.js'

/** A leased line: its stream id, deliveries so far, and whether another worker took it. */
export interface Owned extends FrontierItem {
  readonly id: string
  deliveries: number
  lost: boolean
  permit: HostPermit | undefined
}

/** What this process's commits and leases did. */
export interface LeaseStats {
  written: number
  duplicates: number
  fenced: number
  lost: number
  claimed: number
}

export class Leases {
  /** Held lines by stream id, from lease until their commit is answered. */
  readonly owned = new Map<string, Owned>()
  /** Lines handed to fetchAll, by their outcome index (the order they were yielded). */
  readonly byIndex = new Map<number, Owned>()
  /** Leased lines not yet yielded (their host permit, if any, is held). */
  ready: Owned[] = []
  nextIndex = 0
  /** The first error that makes this worker stop; source and commit throw it. */
  fatal: unknown
  readonly stats: LeaseStats = { written: 0, duplicates: 0, fenced: 0, lost: 0, claimed: 0 }
  #wakeUp: (() => void) | undefined

  fail(error: unknown): void {
    this.fatal ??= error
    this.wake()
  }

  /** Ends the source's current nap: a commit made room, or a permit came. */
  wake(): void {
    const wake = this.#wakeUp
    this.#wakeUp = undefined
    wake?.()
  }

  /** Waits `ms`, or less when {@link wake} is called. */
  nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.#wakeUp = done
    })
  }

  isYielded(item: Owned): boolean {
    for (const value of this.byIndex.values()) if (value === item) return true
    return false
  }
}
