// The coordinator's producer. It enqueues the input, and enqueues it again when Redis lost
// lines (design §9: AOF everysec, no persistence, a failover): either its own next send finds
// `produced` gone back (RedisLostWritesError), or, once it is done, a new Redis `run_id` shows
// a restart and the job has fewer lines than it enqueued. The job's options are stored again
// first, in case Redis lost the whole job.
import { sleep } from '../_internal/sleep.js'
import { type RedisFrontier, RedisLostWritesError } from '../frontier/index.js'
import type { InputEntry, InputSource } from './input.js'
import type { QueueJobOptions } from './queue-job.js'

/** How often the coordinator asks Redis for its run_id. */
const WATCH_EVERY_MS = 500

export interface QueueProducer {
  /** Stops watching for restarts (collecting is over). */
  stop(): void
  /** Resolves once the input has been enqueued the first time (errors go to `onError`). */
  readonly firstPass: Promise<void>
  /** Resolves once producing and watching are over; errors go to `onError`, not here. */
  settled(): Promise<void>
}

export async function startQueueProducer(
  frontier: RedisFrontier,
  input: InputSource,
  job: QueueJobOptions,
  say: (text: string) => void,
  onError: (error: unknown) => void,
  tap?: (entry: InputEntry) => void,
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
        enqueued = await frontier.enqueue(tap === undefined ? entries : tapped(entries, tap))
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
  const firstPass = producing
  let runId = await frontier.redisRunId()
  const watching = (async () => {
    while (!stopped.signal.aborted) {
      await sleep(WATCH_EVERY_MS, stopped.signal)
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
    firstPass,
    stop: () => stopped.abort(),
    async settled() {
      await watching
      await producing
    },
  }
}

/** The input's entries, each told to `tap` as the producer takes it (--ordered learns the order). */
async function* tapped(
  entries: AsyncIterable<InputEntry>,
  tap: (entry: InputEntry) => void,
): AsyncGenerator<InputEntry> {
  for await (const entry of entries) {
    tap(entry)
    yield entry
  }
}
