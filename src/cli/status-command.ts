import { UsageError } from './errors.js'
import { openJob } from './queue-job.js'

export const STATUS_HELP = `Usage: asyncwith status redis://HOST:PORT/JOB

Shows a --queue job: done/total, the rate, each worker with its leased lines, idle time and
its own rate (each worker reports every 5 s), the records by status class and the errors by
code. Exit status: 0 the job is done, 1 it is not done yet,
2 no such job (or a usage error), 75 Redis unreachable.
`

interface StatusIo {
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
}

/** Runs `asyncwith status` and resolves to its exit status. */
export async function runStatus(args: readonly string[], io: StatusIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(STATUS_HELP)
    return 0
  }
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    throw new UsageError(
      `status needs one job URL (redis://HOST:PORT/JOB), got '${args.join(' ')}'`,
    )
  }
  const opened = await openJob(args[0]!, { patience: 5000 }, (message) =>
    io.stderr.write(`asyncwith: ${message}
`),
  )
  if (typeof opened === 'number') return opened
  const frontier = opened
  try {
    const s = await frontier.status()
    if (!s.exists) {
      io.stderr.write(`asyncwith: no such job '${frontier.job}'\n`)
      return 2
    }
    const complete = s.eof && s.done >= s.count
    const lines = [
      `job ${frontier.job}: ${s.done}/${s.count}${s.eof ? '' : '+ (still enqueueing)'} ${complete ? 'done' : 'not done'}, ${s.rate.toFixed(1)} records/s`,
      `queued ${s.queued}, uncollected ${s.uncollected}, duplicates skipped ${s.duplicates}, errors fenced ${s.fenced}`,
      `status classes: ${entries(s.byStatusClass)}`,
      `errors: ${entries(s.errors)}`,
      `workers (${s.workers.length}):`,
      ...s.workers.map((w) => {
        const line = `  ${w.name}  pending ${w.pending}  idle ${seconds(w.idle)}`
        const r = w.report
        if (r === undefined) return `${line}  (not reporting)`
        return `${line}  ${r.rate.toFixed(1)} records/s  ${r.fetched} records  on ${r.host} pid ${r.pid}, since ${new Date(r.started).toISOString().slice(0, 19)}Z, reported ${seconds(r.age)} ago`
      }),
    ]
    io.stdout.write(`${lines.join('\n')}\n`)
    return complete ? 0 : 1
  } finally {
    await frontier.close()
  }
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`
}

function entries(counts: Readonly<Record<string, number>>): string {
  const list = Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1))
  return list.length === 0 ? 'none' : list.map(([key, n]) => `${key} ${n}`).join(', ')
}
