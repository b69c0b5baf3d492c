import type { JobKeys } from './_keys.js'
import { WORKERS } from './_keys.js'

/** A job's progress, as `asyncwith status` shows it. */
export interface JobStatus {
  /** False when the job was never enqueued (no such job). */
  readonly exists: boolean
  /** Lines in the job so far (its total once `eof`). */
  readonly count: number
  /** Lines with a record. */
  readonly done: number
  /** True once the whole input was enqueued. */
  readonly eof: boolean
  /** Commits skipped because the line already had a record (first writer wins). */
  readonly duplicates: number
  /** Error outcomes dropped because their worker had lost the line (§6.6). */
  readonly fenced: number
  /** Records per status class (`2xx`…). */
  readonly byStatusClass: Readonly<Record<string, number>>
  /** Records per error code. */
  readonly errors: Readonly<Record<string, number>>
  /** Lines waiting or leased, and records waiting for the collector. */
  readonly queued: number
  readonly uncollected: number
  /** Records per second since the job began (0 before). */
  readonly rate: number
  /** Every consumer of the job's lines, with its leased lines and idle time in ms. */
  readonly workers: readonly {
    readonly name: string
    readonly pending: number
    readonly idle: number
  }[]
  /** The options stored with the job. */
  readonly options: unknown
}

type Call = <T>(args: readonly string[]) => Promise<T>

/** Reads a job's status with a few plain reads (no script, nothing written). */
export async function readStatus(call: Call, keys: JobKeys): Promise<JobStatus> {
  const flat = await call<string[]>(['HGETALL', keys.meta])
  const meta: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) meta[flat[i]!] = flat[i + 1]!
  const exists = flat.length > 0
  const byStatusClass: Record<string, number> = {}
  const errors: Record<string, number> = {}
  for (const [field, value] of Object.entries(meta)) {
    if (field.startsWith('c:')) byStatusClass[field.slice(2)] = Number(value)
    else if (field.startsWith('e:')) errors[field.slice(2)] = Number(value)
  }
  const [queued, uncollected, time] = await Promise.all([
    call<number>(['XLEN', keys.in]),
    call<number>(['XLEN', keys.out]),
    call<[string, string]>(['TIME']),
  ])
  let workers: { name: string; pending: number; idle: number }[] = []
  if (exists) {
    try {
      const consumers = await call<(string | number)[][]>(['XINFO', 'CONSUMERS', keys.in, WORKERS])
      workers = consumers.map((row) => {
        const info: Record<string, string | number> = {}
        for (let i = 0; i + 1 < row.length; i += 2) info[String(row[i])] = row[i + 1]!
        return { name: String(info.name), pending: Number(info.pending), idle: Number(info.idle) }
      })
    } catch {
      // No group yet: a job whose options exist but nothing was enqueued.
    }
  }
  const done = Number(meta.done ?? 0)
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000)
  const started = Number(meta.started ?? 0)
  const seconds = started > 0 ? (now - started) / 1000 : 0
  return {
    exists,
    count: Number(meta.count ?? 0),
    done,
    eof: meta.eof === '1',
    duplicates: Number(meta.dups ?? 0),
    fenced: Number(meta.fenced ?? 0),
    byStatusClass,
    errors,
    queued,
    uncollected,
    rate: seconds > 0 ? done / seconds : 0,
    workers,
    options: meta.options === undefined ? undefined : JSON.parse(meta.options),
  }
}
