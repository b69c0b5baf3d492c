#!/usr/bin/env node
// The `asyncwith` command: `fetch`, `failed`, `demo`, `--help`, `--version`. Exit statuses:
// 0 ok, 1 some URLs failed, 2 usage error (one line on stderr and a pointer to the right
// --help), 130 interrupted, 141 stdout closed by its reader.
import { readFileSync, realpathSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { HELP, parseCommand } from './args.js'
import { UsageError } from './errors.js'
import { EXIT, runFetch } from './fetch-command.js'

/** The process streams `main` uses; `stdin` is read only when asked for (`-i -`). */
interface MainIo {
  readonly stdin: Readable
  readonly stdout: Writable
  readonly stderr: Writable & { readonly isTTY?: boolean; readonly columns?: number }
}

async function main(argv: readonly string[], io: MainIo): Promise<number> {
  // demo has its own --help, and its mistakes point there.
  const help = argv[0] === 'demo' ? 'asyncwith demo --help' : 'asyncwith --help'
  try {
    const command = parseCommand(argv)
    switch (command.kind) {
      case 'help':
        io.stdout.write(HELP)
        return EXIT.ok
      case 'version':
        io.stdout.write(`${version()}\n`)
        return EXIT.ok
      case 'fetch':
        if (command.options.queue !== undefined) {
          // Loaded only for --queue: the Redis client is nothing plain `fetch` needs.
          const { runQueueFetch } = await import('./queue-fetch.js')
          return await runQueueFetch(command.options, {
            get stdin() {
              return io.stdin
            },
            stdout: io.stdout,
            stderr: io.stderr,
            interrupt: onSignal(),
          })
        }
        return await runFetch(command.options, {
          // A getter: touching process.stdin opens it, which only `-i -` should do.
          get stdin() {
            return io.stdin
          },
          stdout: io.stdout,
          stderr: io.stderr,
          handleSignals: true,
          resumeHint: `continue with: ${resumeCommand(argv)}`,
          env: process.env,
        })
      case 'failed': {
        const { writeFailedInputs } = await import('./failed-command.js')
        await writeFailedInputs(command.path, io.stdout)
        return EXIT.ok
      }
      case 'demo': {
        // Loaded only for `demo`: its server and pages are nothing `fetch` needs at start-up.
        const { runDemo } = await import('./demo.js')
        return await runDemo({
          stdout: io.stdout,
          stderr: io.stderr,
          argv: command.args,
          env: process.env,
        })
      }
      case 'worker': {
        const { runWorker } = await import('./worker-command.js')
        return await runWorker(command.args, {
          stdout: io.stdout,
          stderr: io.stderr,
          interrupt: onSignal(),
        })
      }
      case 'status': {
        const { runStatus } = await import('./status-command.js')
        return await runStatus(command.args, { stdout: io.stdout, stderr: io.stderr })
      }
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`asyncwith: ${error.message}\nTry '${help}'.\n`)
      return EXIT.usage
    }
    throw error
  }
}

/** The command line that continues this run: the same arguments, with `--resume`. */
function resumeCommand(argv: readonly string[]): string {
  const args = argv.includes('--resume') ? argv : [...argv, '--resume']
  return ['asyncwith', ...args].map(shellQuote).join(' ')
}

/** `text` as one POSIX shell word. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`
}

/** A signal aborted by the first SIGINT/SIGTERM; a second one exits at once with 130. */
function onSignal(): AbortSignal {
  const controller = new AbortController()
  const handler = (): void => {
    if (controller.signal.aborted) process.exit(130)
    controller.abort()
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return controller.signal
}

/** The version in package.json, two directories above this file in `src/cli` and `dist/cli`. */
function version(): string {
  // Not `import.meta.url`: the CommonJS build compiles this file too.
  const script = process.argv[1] ?? ''
  const manifest = resolve(dirname(realpathSync(script)), '..', '..', 'package.json')
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
}

const io: MainIo = {
  get stdin() {
    return process.stdin
  },
  stdout: process.stdout,
  stderr: process.stderr,
}

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code
    // Whatever is left (a socket closing, a stdin handle) may not hold the exit back for long.
    setTimeout(() => process.exit(code), 2000).unref()
  },
  (error: unknown) => {
    io.stderr.write(
      `asyncwith: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    process.exitCode = 1
  },
)
