// Producing a job's input: resumable (lines Redis already has are skipped) and bounded (waits
// while `maxQueued` lines wait), so 100 M lines never sit in Redis memory at once.
import { sleep } from '../_internal/sleep.js'
import type { AnyIterable } from '../iter/index.js'
import type { Connection } from './_connection.js'
import type { JobKeys } from './_keys.js'
import { PRODUCE } from './_scripts.js'
import { ensureGroups } from './_streams.js'
import { RedisLostWritesError } from './errors.js'
import type { FrontierItem } from './redis-frontier.js'

/** Lines per PRODUCE script (three arguments each). */
const LINES_PER_CALL = 1000

/**
 * Adds `lines` after the job's `produced` mark, then marks its end; resolves to its count.
 * Rejects with RedisLostWritesError, adding nothing more, when Redis lost lines it had taken.
 */
export async function produce(
  connection: Connection,
  keys: JobKeys,
  lines: AnyIterable<string | FrontierItem>,
  maxQueued: number,
): Promise<number> {
  await ensureGroups(connection, keys)
  const scriptKeys = [keys.in, keys.meta]
  const produced = Number(
    (await connection.call<string | null>(['HGET', keys.meta, 'produced'])) ?? 0,
  )
  let line = 0
  let args: (string | number)[] = []
  // The last line Redis is known to have: every send checks it still has it.
  let after = produced
  const send = async (eof: boolean): Promise<void> => {
    while ((await connection.call<number>(['XLEN', keys.in])) >= maxQueued) {
      await sleep(200, undefined)
    }
    const [ok, now] = await connection.run<[number, number]>(PRODUCE, scriptKeys, [
      after,
      eof ? '1' : '0',
      ...args,
    ])
    if (ok !== 1) throw new RedisLostWritesError(now, after)
    after = now
    args = []
  }
  for await (const value of lines) {
    const item: FrontierItem = typeof value === 'string' ? { line: line + 1, text: value } : value
    if (typeof item !== 'object' || item === null || typeof item.text !== 'string') {
      throw new TypeError(
        `Expected each line to be a string or { line, text }, got ${String(value)}`,
      )
    }
    if (!Number.isSafeInteger(item.line) || item.line <= line) {
      throw new TypeError(`Expected line numbers to ascend from 1, got ${item.line} after ${line}`)
    }
    line = item.line
    if (line <= produced) continue
    args.push(line, item.text, item.problem === undefined ? '' : JSON.stringify(item.problem))
    if (args.length >= LINES_PER_CALL * 3) await send(false)
  }
  // The end is marked by a checked send too: a lost last batch is never sealed by `eof`.
  await send(true)
  return Number((await connection.call<string | null>(['HGET', keys.meta, 'count'])) ?? 0)
}
