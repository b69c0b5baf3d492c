/**
 * Runs the `asyncwith` command as a child process, as users do. By default from the TypeScript
 * source through tsx (`node --import tsx src/cli/main.ts`), which needs no build; pass
 * `script: 'dist/cli/main.js'` to run the built one.
 *
 * ```ts
 * const { code, stdout, stderr } = await runCli(['fetch', server.url('/text')])
 * const child = spawnCli(['fetch', '-i', '-'])   // for signals and streaming stdin
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { FetchRecord } from '../../src/cli/records.js'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface CliOptions {
  /** Written to stdin, which is then closed; without it stdin is closed at once. */
  readonly stdin?: string | Uint8Array
  readonly cwd?: string
  /** The script to run, relative to the repository root. */
  readonly script?: string
  /** Killed (SIGKILL) after this many ms. */
  readonly timeout?: number
  /** Variables set (or, when `undefined`, removed) over this process's environment. */
  readonly env?: Readonly<Record<string, string | undefined>>
}

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Starts the CLI with piped stdio; the caller owns the child. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  const script = options.script ?? 'src/cli/main.ts'
  const nodeArgs = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script]
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: options.cwd ?? ROOT,
    env: Object.fromEntries(
      Object.entries({ ...process.env, NO_COLOR: '1', ...options.env }).filter(
        ([, value]) => value !== undefined,
      ),
    ),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stdout!.setEncoding('utf8')
  child.stderr!.setEncoding('utf8')
  return child
}

/** Collects a child's output and waits for it to exit. */
export async function finished(child: ChildProcess, timeout = 20_000): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (text: string) => {
    stdout += text
  })
  child.stderr!.on('data', (text: string) => {
    stderr += text
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeout)
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? [child.exitCode, child.signalCode]
      : await once(child, 'exit')
  // 'exit' can come before the pipes are drained.
  await Promise.all([
    child.stdout!.readableEnded ? undefined : once(child.stdout!, 'end'),
    child.stderr!.readableEnded ? undefined : once(child.stderr!, 'end'),
  ])
  clearTimeout(timer)
  return {
    code: exited[0] as number | null,
    signal: exited[1] as NodeJS.Signals | null,
    stdout,
    stderr,
  }
}

/** Runs the CLI to completion. */
export async function runCli(
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliResult> {
  const child = spawnCli(args, options)
  const done = finished(child, options.timeout)
  child.stdin!.on('error', () => {}) // a CLI that exits without reading stdin
  child.stdin!.end(options.stdin)
  return done
}

/** A record as `asyncwith fetch` writes it. */
export type CliRecord = FetchRecord

/** Parses JSONL, failing on any line that is not a whole JSON object. */
export function parseRecords(text: string): CliRecord[] {
  if (text === '') return []
  if (!text.endsWith('\n'))
    throw new Error(`Output does not end with a newline: …${text.slice(-80)}`)
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as CliRecord)
}

/** Waits until `check()` is true, polling every `every` ms, for at most `timeout` ms. */
export async function waitFor(check: () => boolean, timeout = 10_000, every = 10): Promise<void> {
  const until = Date.now() + timeout
  while (!check()) {
    if (Date.now() > until) throw new Error('waitFor: timed out')
    await new Promise((resolve) => setTimeout(resolve, every))
  }
}
