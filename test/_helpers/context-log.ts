/**
 * Helpers for the context-layer tests: managers that record what happened to them, and a
 * way to read a rejection's exact value (even `undefined`) without `expect(...).rejects`.
 */
import type { AsyncContextManager, Failure } from 'asyncwith/context'
import { isSuppressedError } from 'asyncwith/context'

/** What a promise settled to, keeping the exact rejection value. */
export type Settled<T> =
  | { readonly status: 'fulfilled'; readonly value: T }
  | { readonly status: 'rejected'; readonly reason: unknown }

export async function settle<T>(
  promise: PromiseLike<T> | (() => PromiseLike<T>),
): Promise<Settled<T>> {
  try {
    const value = await (typeof promise === 'function' ? promise() : promise)
    return { status: 'fulfilled', value }
  } catch (reason) {
    return { status: 'rejected', reason }
  }
}

/** The value `promise` rejects with; throws if it fulfils instead. */
export async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  const settled = await settle(promise)
  if (settled.status === 'fulfilled') {
    throw new Error(`Expected a rejection, got fulfilment with ${String(settled.value)}`)
  }
  return settled.reason
}

export interface RecordingOptions<T> {
  /** What `enter()` resolves to. */
  readonly value?: T
  /** `enter()` rejects with this. */
  readonly enterError?: unknown
  /** `exit()` rejects with this. */
  readonly exitError?: unknown
  /** `exit()` resolves to this (default `false`). */
  readonly exitResult?: boolean
}

/** Calls seen by a {@link recordingManager}, in order, shared by several managers. */
export type CallLog = string[]

/**
 * A plain `{ enter, exit }` manager that writes `enter <name>` and `exit <name>` to `log`
 * and keeps every `failure` its `exit` received in `exits`.
 */
export function recordingManager<T = string>(
  log: CallLog,
  name: string,
  options: RecordingOptions<T> = {},
): AsyncContextManager<T, boolean> & { readonly exits: (Failure | undefined)[] } {
  const exits: (Failure | undefined)[] = []
  return {
    exits,
    async enter() {
      log.push(`enter ${name}`)
      if ('enterError' in options) throw options.enterError
      return ('value' in options ? options.value : name) as T
    },
    async exit(failure?: Failure) {
      log.push(`exit ${name}`)
      exits.push(failure)
      if ('exitError' in options) throw options.exitError
      return options.exitResult ?? false
    },
  }
}

/** An `AsyncDisposable` that writes `dispose <name>` to `log` and may fail. */
export function recordingDisposable(
  log: CallLog,
  name: string,
  error?: unknown,
): AsyncDisposable & { readonly name: string } {
  return {
    name,
    async [Symbol.asyncDispose]() {
      log.push(`dispose ${name}`)
      if (error !== undefined) throw error
    },
  }
}

/**
 * Shows an error as a comparable tree: `SuppressedError`s become
 * `['Suppressed', error, suppressed]`, other `Error`s their message, anything else itself.
 */
export function errorTree(error: unknown): unknown {
  if (isSuppressedError(error)) {
    return ['Suppressed', errorTree(error.error), errorTree(error.suppressed)]
  }
  if (error instanceof Error) return error.message
  return error
}
