// Reading the job's streams through a consumer group, creating those groups, and asking
// whether the job is done.
import { ErrorReply } from '@redis/client'
import type { Connection } from './_connection.js'
import { type JobKeys, WORKERS } from './_keys.js'

/** A stream entry as XREADGROUP returns it; `deleted` when its id is pending but XDEL'd. */
export interface Entry {
  readonly id: string
  readonly fields: Record<string, string>
  readonly deleted: boolean
}

/** A flat `[field, value, …]` reply as an object. */
export function pairs(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!
  return fields
}

/** Every line of the job has its record: the input is all in (`eof`) and `done` reached `count`. */
export async function isJobDone(connection: Connection, keys: JobKeys): Promise<boolean> {
  const [eof, count, done] = await connection.call<(string | null)[]>([
    'HMGET',
    keys.meta,
    'eof',
    'count',
    'done',
  ])
  return eof === '1' && Number(done ?? 0) >= Number(count ?? 0)
}

/** XREADGROUP of up to `count` entries after `id` (`>` for new ones, else own pending list). */
export async function readGroup(
  connection: Connection,
  group: string,
  consumer: string,
  key: string,
  count: number,
  id: string,
  noack: boolean,
): Promise<Entry[]> {
  const args = ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count)]
  if (noack) args.push('NOACK')
  args.push('STREAMS', key, id)
  const reply = await connection.call<[string, [string, string[] | null][]][] | null>(args)
  const entries = reply?.[0]?.[1] ?? []
  return entries.map(([entryId, fields]) => ({
    id: entryId,
    fields: fields === null ? {} : pairs(fields),
    deleted: fields === null,
  }))
}

/**
 * Creates the workers' group on the input, if missing. (The collector reads the records
 * without a group: see _collector.ts.)
 */
export async function ensureGroups(connection: Connection, keys: JobKeys): Promise<void> {
  try {
    await connection.call(['XGROUP', 'CREATE', keys.in, WORKERS, '0', 'MKSTREAM'])
  } catch (error) {
    if (!(error instanceof ErrorReply && error.message.startsWith('BUSYGROUP'))) throw error
  }
}
