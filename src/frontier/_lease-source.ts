// The worker's side of the input stream: lines are leased with XREADGROUP, renewed every
// lease/3 while held, and taken over from dead workers with XAUTOCLAIM after one lease. After a
// failed call the worker re-reads its own pending list first (design §6.5).
import { setMaxListeners } from 'node:events'
import type { HostGate } from '../http/index.js'
import type { Connection } from './_connection.js'
import { FAULT } from './_fault.js'
import { type JobKeys, WORKERS } from './_keys.js'
import type { Leases, Owned } from './_leases.js'
import { CLAIM, RENEW } from './_scripts.js'
import { type Entry, isJobDone, pairs, readGroup } from './_streams.js'

export interface LeaseSourceOptions {
  readonly lease: number
  readonly maxUncollected: number
  readonly poisonAfter: number
}

export class LeaseSource {
  readonly #connection: Connection
  readonly #keys: JobKeys
  readonly #consumer: string
  readonly #leases: Leases
  readonly #lease: number
  readonly #maxUncollected: number
  readonly #poisonAfter: number
  #open = false
  #stop = new AbortController()
  #renewTimer: ReturnType<typeof setInterval> | undefined

  constructor(
    connection: Connection,
    keys: JobKeys,
    consumer: string,
    leases: Leases,
    options: LeaseSourceOptions,
  ) {
    this.#connection = connection
    this.#keys = keys
    this.#consumer = consumer
    this.#leases = leases
    this.#lease = options.lease
    this.#maxUncollected = options.maxUncollected
    this.#poisonAfter = options.poisonAfter
  }

  /** Stops the source and the lease renewal (the frontier is closing). */
  stop(): void {
    this.#stop.abort()
    if (this.#renewTimer !== undefined) clearInterval(this.#renewTimer)
    this.#renewTimer = undefined
  }

  source(maxOwned: number, gate: HostGate | undefined): AsyncIterableIterator<string | null> {
    if (this.#open) throw new Error('Expected one source() per frontier at a time')
    this.#open = true
    this.#connection.waitForGroups = true
    this.#stop = new AbortController()
    const stop = this.#stop.signal
    // Every line waiting for its host's permit listens to it: as many as maxOwned.
    setMaxListeners(0, stop)
    const leases = this.#leases
    const connection = this.#connection
    const keys = this.#keys
    let complete = false
    let reread = true
    let pelCursor = '0'
    let seenFailures = connection.failures
    let claimCursor = '0-0'
    let lastClaim = 0
    let lastJanitor = Date.now()
    let lastCheck = 0
    let idleUntil = 0
    let idle = 0
    let gating = 0
    let uncollectedCheck = 0
    let backlogged = false

    const take = (entry: Entry, deliveries: number): void => {
      if (leases.owned.has(entry.id)) return
      const fields = entry.fields
      const item: Owned = {
        id: entry.id,
        line: Number(fields.l),
        text: fields.u ?? '',
        deliveries,
        lost: false,
        permit: undefined,
        ...(fields.x === undefined ? {} : { problem: JSON.parse(fields.x) }),
      }
      if (item.problem === undefined && deliveries > this.#poisonAfter) {
        Object.assign(item, {
          problem: {
            code: 'ASYNCWITH_POISON',
            message: `Delivered ${deliveries} times without a commit; recorded without fetching`,
          },
        })
      }
      leases.owned.set(entry.id, item)
      // Parsing the URL costs an allocation per line: only a gate needs the host.
      const host = gate === undefined || item.problem !== undefined ? undefined : hostOf(item.text)
      if (gate === undefined || host === undefined) {
        leases.ready.push(item)
        return
      }
      gating++
      gate.acquire(host, { signal: stop }).then(
        (permit) => {
          gating--
          if (item.lost || stop.aborted) {
            permit.release()
            return
          }
          item.permit = permit
          leases.ready.push(item)
          leases.wake()
        },
        (error: unknown) => {
          gating--
          if (!stop.aborted) leases.fail(error)
        },
      )
    }

    /** 'got' lines, the worker is 'full' (wait for a commit), or there was nothing ('empty'). */
    const pull = async (): Promise<'got' | 'full' | 'empty'> => {
      const now = Date.now()
      if (now >= uncollectedCheck) {
        uncollectedCheck = now + 1000
        backlogged = (await connection.call<number>(['XLEN', keys.out])) >= this.#maxUncollected
      }
      const room = maxOwned - leases.owned.size
      if (room <= 0) return 'full'
      if (connection.failures !== seenFailures) {
        // A read may have run, and reached the AOF, with its reply lost: re-read our own list.
        seenFailures = connection.failures
        reread = true
        pelCursor = '0'
      }
      const read = (id: string, count: number, noack: boolean): Promise<Entry[]> =>
        readGroup(connection, WORKERS, this.#consumer, keys.in, count, id, noack)
      let entries: Entry[] = []
      let claimed = 0
      if (reread) {
        entries = await read(pelCursor, room, false)
        const last = entries.at(-1)
        if (entries.length < room || last === undefined) {
          reread = false
          pelCursor = '0'
        } else pelCursor = last.id
        const gone = entries.filter((entry) => entry.deleted).map((entry) => entry.id)
        if (gone.length > 0) await connection.call(['XACK', keys.in, WORKERS, ...gone])
        entries = entries.filter((entry) => !entry.deleted)
        // Our own list is read: new lines next, now rather than after an idle poll.
        if (!reread && entries.length === 0) return 'got'
      } else {
        // Dead workers' lines first, every lease/2: they are the job's oldest, and a worker
        // kept full by its read-ahead would otherwise leave them until the input runs dry.
        if (now - lastClaim >= this.#lease / 2) {
          lastClaim = now
          claimed = await claim(Math.min(room, 1000))
        }
        // No new lines while the collector is behind; dead workers' lines are still taken
        // over above: the one it waits for (an ordered collector) may be among them.
        const left = maxOwned - leases.owned.size
        if (left > 0 && !backlogged) entries = await read('>', left, FAULT === 'ack-on-read')
      }
      for (const entry of entries) take(entry, 1)
      if (now - lastJanitor >= 60_000) {
        lastJanitor = now
        await this.#forgetDeadConsumers()
      }
      return entries.length > 0 || claimed > 0 ? 'got' : 'empty'
    }

    /** Takes over up to `count` lines idle for a lease (their worker died); resolves to how many. */
    const claim = async (count: number): Promise<number> => {
      const [cursor, claimed] = await connection.run<[string, [string, string[], number][]]>(
        CLAIM,
        [keys.in],
        [WORKERS, this.#consumer, this.#lease, count, claimCursor],
      )
      claimCursor = cursor
      for (const [id, fields, deliveries] of claimed) {
        leases.stats.claimed++
        take({ id, fields: pairs(fields), deleted: false }, deliveries)
      }
      return claimed.length
    }

    const renew = async (): Promise<void> => {
      const ids: string[] = []
      for (const item of leases.owned.values()) if (!item.lost) ids.push(item.id)
      if (ids.length === 0) return
      const lost = await connection.run<string[]>(
        RENEW,
        [keys.in],
        [WORKERS, this.#consumer, ...ids],
      )
      for (const id of lost) {
        const item = leases.owned.get(id)
        if (item === undefined || item.lost) continue
        item.lost = true
        leases.stats.lost++
        // Not handed to fetchAll yet: drop it, its new owner fetches it.
        const at = leases.ready.indexOf(item)
        if (at >= 0) leases.ready.splice(at, 1)
        if (
          at >= 0 ||
          (gate !== undefined && item.permit === undefined && !leases.isYielded(item))
        ) {
          item.permit?.release()
          leases.owned.delete(id)
        }
      }
    }
    // Leases are renewed until close(), not just while the source runs: fetchAll still
    // finishes and commits the lines in flight after the source has ended.
    if (this.#renewTimer !== undefined) clearInterval(this.#renewTimer)
    this.#renewTimer = undefined
    if (FAULT !== 'no-renew') {
      this.#renewTimer = setInterval(() => {
        renew().catch((error: unknown) => leases.fail(error))
      }, this.#lease / 3)
    }

    // One pull at a time, whether the source waits for it or reads ahead.
    type Pulled = 'got' | 'full' | 'empty'
    let pulling: Promise<Pulled> | undefined
    const lowWater = Math.max(1, Math.floor(maxOwned / 4))
    const pullOnce = (): Promise<Pulled> => {
      pulling ??= pull().then(
        (pulled) => {
          pulling = undefined
          if (pulled === 'got') idle = 0
          else if (pulled === 'empty') {
            // Nothing to lease: poll again soon, with jitter, so workers do not move in step;
            // first after a few ms (a job just starting, its producer a moment behind), then
            // backing off to 50-150 ms.
            idle = Math.min(idle * 2 || 5, 100)
            idleUntil = Date.now() + idle * (0.5 + Math.random())
          }
          return pulled
        },
        (error: unknown) => {
          pulling = undefined
          throw error
        },
      )
      return pulling
    }

    const finish = (): IteratorResult<string | null> => {
      this.#stop.abort()
      this.#open = false
      return { done: true, value: undefined }
    }

    const iterator: AsyncIterableIterator<string | null> = {
      next: async () => {
        for (;;) {
          if (leases.fatal !== undefined) {
            finish()
            throw leases.fatal
          }
          if (stop.aborted) return finish()
          const item = leases.ready.shift()
          if (item !== undefined) {
            const index = leases.nextIndex++
            leases.byIndex.set(index, item)
            // Read ahead, so a free fetch slot never waits a Redis round trip for its line.
            if (leases.ready.length < lowWater && pulling === undefined) {
              if (Date.now() >= idleUntil) {
                pullOnce().then(
                  () => leases.wake(),
                  (error: unknown) => leases.fail(error),
                )
              }
            }
            return { done: false, value: item.problem === undefined ? item.text : null }
          }
          const now = Date.now()
          if (!complete && now >= lastCheck + 250 && leases.owned.size === 0 && gating === 0) {
            lastCheck = now
            complete = await isJobDone(connection, keys)
          }
          if (complete) return finish()
          if (now >= idleUntil) {
            let pulled: Pulled
            try {
              pulled = await pullOnce()
            } catch (error) {
              leases.fail(error)
              continue
            }
            if (pulled === 'got') continue
            if (pulled === 'full') {
              // A commit (or a granted permit) wakes us as soon as there is room.
              await leases.nap(100)
              continue
            }
          }
          await leases.nap(Math.max(5, idleUntil - Date.now()))
        }
      },
      return: async () => finish(),
      [Symbol.asyncIterator]: () => iterator,
    }
    return iterator
  }

  /** Removes consumers with nothing pending and idle for an hour: killed workers' names. */
  async #forgetDeadConsumers(): Promise<void> {
    const rows = await this.#connection.call<(string | number)[][]>([
      'XINFO',
      'CONSUMERS',
      this.#keys.in,
      WORKERS,
    ])
    for (const row of rows) {
      const info: Record<string, string | number> = {}
      for (let i = 0; i + 1 < row.length; i += 2) info[String(row[i])] = row[i + 1]!
      if (
        Number(info.pending) === 0 &&
        Number(info.idle) > 3_600_000 &&
        info.name !== this.#consumer
      ) {
        const name = String(info.name)
        await this.#connection.call(['XGROUP', 'DELCONSUMER', this.#keys.in, WORKERS, name])
      }
    }
  }
}

/** The host a URL's politeness is keyed by, or undefined for text that is not a URL. */
function hostOf(text: string): string | undefined {
  try {
    return new URL(text).hostname || undefined
  } catch {
    return undefined
  }
}
