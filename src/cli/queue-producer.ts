// The coordinator's producer. It enqueues the input, and enqueues it again when Redis lost
// lines (design §9: AOF everysec, no persistence, a failover): either its own next send finds
// `produced` gone back (RedisLostWritesError), or, once it is done, a new Redis `run_id` shows
// a restart and the job has fewer lines than it enqueued. The job's options are stored again
// first, in case Redis lost the whole job.
import { setTimeout as sleep } from 'node:timers/promises'
import { type RedisFrontier, RedisLostWritesError } from '../frontier/index.js'
import type { InputEntry, InputSource } from './input.js'
import type { QueueJobOptions } from './queue-job.js'

/** How often the coordinator asks Redis for its run_id. */
const WATCH_EVERY_MS = 500

export interface QueueProducer {
  /** Stops watching for restarts (collecting is over). */
  stop(): void
  /** Resolves once producing and watching are over; errors go to `onError`, not here. */
  settled(): Promise<void>
}

export async function startQueueProducer(
  frontier: RedisFrontier,
  input: InputSource,
  job: QueueJobOptions,
  say: (text: string) => void,
  onError: (error: unknown) => void,
): Promise<QueueProducer> {
  const stopped = new AbortController()
  let enqueued = 0
  const again = (why: string): AsyncIterable<InputEntry> => {
    if (input.again === undefined) {
      throw new Error(`${why}, but the input was read from stdin: run again with --resume`)
    }
    return input.again()
  }
  const produce = async (entries: AsyncIterable<InputEntry>): Promise<void> => {
    for (;;) {
      try {
        enqueued = await frontier.enqueue(itemsOf(entries))
        return
      } catch (error) {
        if (!(error instanceof RedisLostWritesError)) throw error
        say(error.message)
        entries = again(error.message)
        await frontier.defineJob(job)
      }
    }
  }
  let producing = produce(input.entries()).catch(onError)
  let runId = await frontier.redisRunId()
  const watching = (async () => {
    while (!stopped.signal.aborted) {
      await sleep(WATCH_EVERY_MS, undefined, { signal: stopped.signal })
      const now = await frontier.redisRunId()
      if (now === runId) continue
      runId = now
      // A producer still running meets the loss itself: each of its sends is checked.
      await producing
      const s = await frontier.status()
      if (s.eof && s.count >= enqueued) continue
      say(
        `Redis restarted and lost lines (it has ${s.count} of ${enqueued}): enqueueing them again`,
      )
      await frontier.defineJob(job)
      producing = produce(again('Redis lost lines')).catch(onError)
    }
  })().catch((error: unknown) => {
    if (!stopped.signal.aborted) onError(error)
  })
  return {
    stop: () => stopped.abort(),
    async settled() {
      await watching
      await producing
    },
  }
}

async function* itemsOf(entries: AsyncIterable<InputEntry>): AsyncGenerator<InputEntry> {
  yield* entries
}
