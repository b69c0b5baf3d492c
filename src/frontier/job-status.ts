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
  /**
   * Every consumer of the job's lines, with its leased lines and idle time in ms, and what the
   * worker last reported (every 5 s by default; absent for a worker that no longer reports).
   */
  readonly workers: readonly WorkerStatus[]
  /** The options stored with the job. */
  readonly options: unknown
}

/** One worker of a job, as {@link JobStatus} lists it. */
export interface WorkerStatus {
  /** Its consumer name. */
  readonly name: string
  /** Lines leased to it and not committed yet (its pending entries). */
  readonly pending: number
  /** Ms since it last read, claimed or renewed lines. */
  readonly idle: number
  /** Its last report: host name, pid, records per second over its last interval, records
   * committed, when it started and ms since it reported (Redis's clock). */
  readonly report?: {
    readonly host: string
    readonly pid: number
    readonly rate: number
    readonly fetched: number
    readonly started: number
    readonly age: number
  }
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
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000)
  let workers: WorkerStatus[] = []
  if (exists) {
    const reports = await readReports(call, keys.workers, now)
    try {
      const consumers = await call<(string | number)[][]>(['XINFO', 'CONSUMERS', keys.in, WORKERS])
      workers = consumers.map((row) => {
        const info: Record<string, string | number> = {}
        for (let i = 0; i + 1 < row.length; i += 2) info[String(row[i])] = row[i + 1]!
        const name = String(info.name)
        const report = reports.get(name)
        reports.delete(name)
        return {
          name,
          pending: Number(info.pending),
          idle: Number(info.idle),
          ...(report === undefined ? {} : { report }),
        }
      })
    } catch {
      // No group yet: a job whose options exist but nothing was enqueued.
    }
    // Workers that report but never read yet (no consumer in the group).
    for (const [name, report] of reports)
      workers.push({ name, pending: 0, idle: report.age, report })
  }
  const done = Number(meta.done ?? 0)
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

/** The workers' reports by consumer name; a malformed one is skipped, not fatal. */
async function readReports(
  call: Call,
  key: string,
  now: number,
): Promise<Map<string, NonNullable<WorkerStatus['report']>>> {
  const flat = await call<string[]>(['HGETALL', key])
  const reports = new Map<string, NonNullable<WorkerStatus['report']>>()
  for (let i = 0; i + 1 < flat.length; i += 2) {
    try {
      const r = JSON.parse(flat[i + 1]!) as Record<string, unknown>
      reports.set(flat[i]!, {
        host: String(r.host),
        pid: Number(r.pid),
        rate: Number(r.rate),
        fetched: Number(r.fetched),
        started: Number(r.started),
        age: Math.max(0, now - Number(r.seen)),
      })
    } catch {
      // Not a report of ours: leave it out.
    }
  }
  return reports
}
