// One Semaphore per key (origin or host name), created on first use and forgotten when idle,
// so a run over a million hosts does not keep a million semaphores.
import { type Permit, Semaphore } from '../task/index.js'

const NO_PERMIT: Permit = {
  release() {},
  [Symbol.dispose]() {},
}

export class KeyedSemaphores {
  readonly #permits: number
  readonly #semaphores = new Map<string, Semaphore>()

  constructor(permits: number) {
    this.#permits = permits
  }

  /**
   * A permit for `key` at once when one is free and nobody waits (the common case, with no
   * promise), else `undefined`: then call {@link KeyedSemaphores.acquire}.
   */
  tryAcquire(key: string): Permit | undefined {
    if (this.#permits === Number.POSITIVE_INFINITY) return NO_PERMIT
    const semaphore = this.#semaphores.get(key)
    if (semaphore === undefined) {
      const created = new Semaphore(this.#permits)
      this.#semaphores.set(key, created)
      return this.#wrap(key, created, created.acquireNowait())
    }
    if (semaphore.available === 0 || semaphore.waiting > 0) return undefined
    return this.#wrap(key, semaphore, semaphore.acquireNowait())
  }

  #wrap(key: string, owner: Semaphore, permit: Permit): Permit {
    return new KeyedPermit(this.#semaphores, key, owner, permit)
  }

  /** A permit for `key`; a no-op permit when the limit is `Infinity`. */
  async acquire(key: string, signal?: AbortSignal): Promise<Permit> {
    if (this.#permits === Number.POSITIVE_INFINITY) return NO_PERMIT
    let semaphore = this.#semaphores.get(key)
    if (semaphore === undefined) {
      semaphore = new Semaphore(this.#permits)
      this.#semaphores.set(key, semaphore)
    }
    const semaphores = this.#semaphores
    const owner = semaphore
    const forgetIfIdle = () => {
      if (owner.available === owner.permits && owner.waiting === 0) {
        if (semaphores.get(key) === owner) semaphores.delete(key)
      }
    }
    let permit: Permit
    try {
      permit = await semaphore.acquire({ signal })
    } catch (error) {
      // An aborted wait must not leave an idle semaphore behind.
      forgetIfIdle()
      throw error
    }
    let released = false
    const result: Permit = {
      release() {
        if (released) return
        released = true
        permit.release()
        forgetIfIdle()
      },
      [Symbol.dispose]() {
        result.release()
      },
    }
    return result
  }

  /** Keys with a live semaphore (for tests and statistics). */
  get size(): number {
    return this.#semaphores.size
  }
}

/**
 * A permit of one key's semaphore that forgets the semaphore once it is idle. A class, not a
 * closure over its state: one object per permit taken without waiting (the hot path).
 */
class KeyedPermit implements Permit {
  #semaphores: Map<string, Semaphore> | undefined
  readonly #key: string
  readonly #owner: Semaphore
  readonly #permit: Permit

  constructor(semaphores: Map<string, Semaphore>, key: string, owner: Semaphore, permit: Permit) {
    this.#semaphores = semaphores
    this.#key = key
    this.#owner = owner
    this.#permit = permit
  }

  release(): void {
    const semaphores = this.#semaphores
    if (semaphores === undefined) return
    this.#semaphores = undefined
    this.#permit.release()
    const owner = this.#owner
    if (owner.available === owner.permits && owner.waiting === 0) {
      if (semaphores.get(this.#key) === owner) semaphores.delete(this.#key)
    }
  }

  [Symbol.dispose](): void {
    this.release()
  }
}
