// The collector's side: the job's records in batches, acked (XACK + XDEL) after a durable write.
import { sleep } from '../_internal/sleep.js'
import type { Connection } from './_connection.js'
import { COLLECTOR, type JobKeys } from './_keys.js'
import { COLLECTED } from './_scripts.js'
import { ensureGroups, readGroup } from './_streams.js'
import type { ResultBatch } from './redis-frontier.js'

/** Yields record batches until every line has its record and all were acked. */
export async function* collect(
  connection: Connection,
  keys: JobKeys,
  options: { batch?: number; signal?: AbortSignal },
): AsyncGenerator<ResultBatch, void, undefined> {
  const size = options.batch ?? 1000
  const signal = options.signal
  await ensureGroups(connection, keys)
  // After a failed call (and at start) re-read our own pending list first: a read may have
  // run with its reply lost (design §6.5).
  let reread = true
  let cursor = '0'
  let seenFailures = connection.failures
  let idle = 0
  for (;;) {
    if (signal?.aborted) return
    if (connection.failures !== seenFailures) {
      seenFailures = connection.failures
      reread = true
      cursor = '0'
    }
    const entries = await readGroup(
      connection,
      COLLECTOR,
      COLLECTOR,
      keys.out,
      size,
      reread ? cursor : '>',
      false,
    )
    if (reread) {
      const last = entries.at(-1)
      if (entries.length < size || last === undefined) {
        reread = false
        cursor = '0'
      } else cursor = last.id
    }
    const ids = entries.map((entry) => entry.id)
    const records = entries
      .filter((entry) => !entry.deleted)
      .map((entry) => ({ line: Number(entry.fields.l), json: entry.fields.r ?? '' }))
    const ack = async (): Promise<void> => {
      if (ids.length > 0) await connection.run(COLLECTED, [keys.out], [COLLECTOR, ...ids])
    }
    if (records.length > 0) {
      idle = 0
      yield { records, ack }
      continue
    }
    await ack()
    if (reread) continue
    const [eof, count, done] = await connection.call<(string | null)[]>([
      'HMGET',
      keys.meta,
      'eof',
      'count',
      'done',
    ])
    if (eof === '1' && Number(done ?? 0) >= Number(count ?? 0)) {
      if ((await connection.call<number>(['XLEN', keys.out])) === 0) return
    }
    // Soon after records came (the last of a job is a moment behind), then every 30-70 ms.
    idle = Math.min(idle * 2 || 4, 50)
    await sleep(idle * (0.6 + Math.random() * 0.8), undefined)
  }
}
