// The collector's side: the job's records in batches, acked after a durable write.
//
// It reads with XRANGE from a cursor, not through a consumer group: a read then changes
// nothing in Redis (no pending entry, nothing for the AOF, so no fsync of its own with
// `appendfsync always`), and a read whose reply was lost is simply sent again. Deleting a
// record is its ack, so a record stays in the stream until its batch is acked, and a restarted
// collector starts again from the first record still there (design §6.5; the coordinator
// skips the lines its file already has). Records are deleted with one XTRIM MINID up to the
// last acked batch, which costs Redis far less than an XDEL of each id.
import { sleep } from '../_internal/sleep.js'
import type { Connection } from './_connection.js'
import type { JobKeys } from './_keys.js'
import { isJobDone, pairs } from './_streams.js'
import type { ResultBatch } from './redis-frontier.js'

/** How long records may gather after a short batch, in ms. */
const GATHER_MS = 20

/** Yields record batches until every line has its record and all were acked. */
export async function* collect(
  connection: Connection,
  keys: JobKeys,
  options: { batch?: number; signal?: AbortSignal },
): AsyncGenerator<ResultBatch, void, undefined> {
  const size = options.batch ?? 1000
  const signal = options.signal
  // `-` is the first record; then `(id`, the records after the last one read.
  let cursor = '-'
  let idle = 0
  // Batches yielded and not yet deleted, oldest first. Acking one deletes the records up to
  // the newest batch that has no unacked batch before it: a trim never takes a record whose
  // batch was not acked.
  const unacked: { readonly last: string; acked: boolean }[] = []
  for (;;) {
    if (signal?.aborted) return
    const entries = await connection.call<[string, string[]][]>([
      'XRANGE',
      keys.out,
      cursor,
      '+',
      'COUNT',
      String(size),
    ])
    const last = entries.at(-1)
    if (last !== undefined) {
      cursor = `(${last[0]}`
      const records = entries.map(([, flat]) => {
        const fields = pairs(flat)
        return { line: Number(fields.l), json: fields.r ?? '' }
      })
      const batch = { last: last[0], acked: false }
      unacked.push(batch)
      const ack = async (): Promise<void> => {
        batch.acked = true
        let upTo: string | undefined
        while (unacked[0]?.acked) upTo = unacked.shift()!.last
        // Every record up to upTo was read by this collector and acked: ids only grow.
        if (upTo !== undefined) await connection.call(['XTRIM', keys.out, 'MINID', nextId(upTo)])
      }
      yield { records, ack }
      // A short batch means the stream is drained: let records gather a moment, so neither
      // Redis nor the consumer's disk sees a call or an fsync per few records.
      idle = 0
      if (records.length < size) await sleep(GATHER_MS, undefined)
      continue
    }
    if (await isJobDone(connection, keys)) {
      if ((await connection.call<number>(['XLEN', keys.out])) === 0) return
    }
    // Soon after records came (the last of a job is a moment behind), then every 30-70 ms.
    idle = Math.min(idle * 2 || GATHER_MS, 50)
    await sleep(idle * (0.6 + Math.random() * 0.8), undefined)
  }
}

/** The smallest stream id after `id` (`ms-seq`). */
function nextId(id: string): string {
  const dash = id.indexOf('-')
  return `${id.slice(0, dash)}-${BigInt(id.slice(dash + 1)) + 1n}`
}
