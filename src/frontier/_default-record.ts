// The record a commit writes when the caller gives no `record` format.
import type { FetchOutcome } from '../http/index.js'
import type { FrontierItem } from './redis-frontier.js'

/** A small JSON record: line, input, url, ok, status, attempts, error. */
export function defaultRecord(item: FrontierItem, outcome: FetchOutcome<unknown>): string {
  if (item.problem !== undefined) {
    return JSON.stringify({ line: item.line, input: item.text, ok: false, error: item.problem })
  }
  if (outcome.ok) {
    return JSON.stringify({
      line: item.line,
      input: item.text,
      url: outcome.url,
      ok: outcome.status < 400,
      status: outcome.status,
      attempts: outcome.attempts,
    })
  }
  return JSON.stringify({
    line: item.line,
    input: item.text,
    url: outcome.url,
    ok: false,
    attempts: outcome.attempts,
    error: { code: outcome.error.code ?? 'ASYNCWITH_UNEXPECTED', message: outcome.error.message },
  })
}
