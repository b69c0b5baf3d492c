/**
 * `asyncwith demo`: the whole `fetch` pipeline with no network. It starts a local server with
 * a few hundred generated pages (some slow, some failing, some redirecting), runs `fetch` over
 * them with the progress bar, and prints the summary.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Readable, type Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { DEFAULT_CONCURRENCY } from '../iter/index.js'
import { startDemoServer } from './_demo-server.js'
import { FETCH_DEFAULTS, type FetchOptions } from './args.js'
import { describeFsError, UsageError } from './errors.js'
import { EXIT, runFetch } from './fetch-command.js'
import { usageErrorOf } from './parse-error.js'
import { createReporter } from './progress.js'
import type { Reporter, RunSummary } from './reporter.js'

/** The process-facing side of {@link runDemo}. */
export interface DemoIo {
  readonly stdout: Writable
  readonly stderr: Writable & { readonly isTTY?: boolean; readonly columns?: number }
  /** The arguments after `demo`. */
  readonly argv?: readonly string[]
  /**
   * Let Ctrl-C stop the run gracefully (see `runFetch`).
   * @defaultValue true
   */
  readonly handleSignals?: boolean
  /** Aborting it interrupts the run, as a first Ctrl-C does. */
  readonly interrupt?: AbortSignal
  /** The environment, for `TERM` and `NO_COLOR` (see `createReporter`). */
  readonly env?: Readonly<Record<string, string | undefined>>
}

export const DEMO_HELP = `Usage: asyncwith demo [--pages N] [-o FILE] [--concurrency N] [-q]

Starts a local server on 127.0.0.1 with N generated pages (default 300; about 10% slow,
5% failing with 500 or a connection reset, 5% redirecting, plus 2 URLs that are 404), runs
fetch over them with a progress bar, and prints the summary. No network is used. Records go
to -o FILE, which is kept; without -o they go to a temporary file, of which the first three
are shown, and which is removed at the end. With -q only where the records went is printed.
Exit status: 0 when the run completed (the failures are on purpose), 2 usage error, 130
interrupted.
`

const DEMO_OPTIONS = {
  pages: { type: 'string' },
  output: { type: 'string', short: 'o' },
  concurrency: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const

interface DemoOptions {
  readonly pages: number
  readonly output: string | undefined
  readonly concurrency: number
  readonly quiet: boolean
  readonly help: boolean
}

const HELP_ONLY: DemoOptions = {
  pages: 0,
  output: undefined,
  concurrency: DEFAULT_CONCURRENCY,
  quiet: false,
  help: true,
}

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--${name} must be a whole number of 1 or more, got '${text}'`)
  }
  return value
}

/**
 * Parses the arguments of `asyncwith demo`.
 * @throws {@link UsageError} For an unknown option or a bad value.
 */
export function parseDemo(argv: readonly string[]): DemoOptions {
  let values: { [K in keyof typeof DEMO_OPTIONS]?: string | boolean }
  try {
    ;({ values } = parseArgs({ args: [...argv], options: DEMO_OPTIONS, allowPositionals: false }))
  } catch (error) {
    if (argv.includes('--help') || argv.includes('-h')) return { ...HELP_ONLY }
    throw usageErrorOf(error, argv, DEMO_OPTIONS)
  }
  if (values.help === true) return { ...HELP_ONLY }
  const pages = positiveInteger('pages', values.pages as string | undefined, 300)
  if (pages > 100_000) throw new UsageError(`--pages must be at most 100000, got '${values.pages}'`)
  const output = values.output as string | undefined
  if (output === '' || output === '-') {
    throw new UsageError('--output needs a file name (the demo keeps its records there)')
  }
  return {
    pages,
    output,
    concurrency: positiveInteger(
      'concurrency',
      values.concurrency as string | undefined,
      DEFAULT_CONCURRENCY,
    ),
    quiet: values.quiet === true,
    help: false,
  }
}

/**
 * Runs `asyncwith demo` and resolves to its exit status: 0 when the run went through every
 * URL (some fail on purpose, so failed URLs do not make it 1), 130 when interrupted, 1 when
 * the run itself failed (records could not be written). The server is always closed.
 * @param io - Where the output goes, and the arguments after `demo`.
 * @returns The exit status.
 * @throws {@link UsageError} For bad arguments or an output that cannot be opened (status 2).
 */
export async function runDemo(io: DemoIo): Promise<number> {
  const demo = parseDemo(io.argv ?? [])
  if (demo.help) {
    io.stdout.write(DEMO_HELP)
    return EXIT.ok
  }
  // Everything that can be wrong with the options is found before the banner.
  if (demo.output !== undefined) checkWritable(demo.output)
  const temporary =
    demo.output === undefined ? mkdtempSync(join(tmpdir(), 'asyncwith-demo-')) : undefined
  try {
    return await runDemoWith(demo, io, demo.output ?? join(temporary!, 'records.jsonl'))
  } finally {
    if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true })
  }
}

async function runDemoWith(demo: DemoOptions, io: DemoIo, output: string): Promise<number> {
  const kept = demo.output !== undefined
  await using server = await startDemoServer({ pages: demo.pages })
  const urls = server.urls()
  if (!demo.quiet) {
    io.stdout.write(
      `asyncwith demo: fetching ${urls.length} URLs from a local server at ${server.origin}\n` +
        '(some slow, some failing with 500 or a reset connection, some redirecting; no network)\n',
    )
  }

  // The usual reporter, watched, so the demo knows whether the run went through.
  const inner = createReporter({ stream: io.stderr, quiet: demo.quiet, env: io.env ?? {} })
  let summary: RunSummary | undefined
  const reporter: Reporter = {
    start: (info) => inner.start(info),
    record: (outcome) => inner.record(outcome),
    finish(result) {
      summary = result
      inner.finish(result)
    },
  }
  const options: FetchOptions = {
    ...FETCH_DEFAULTS,
    urls,
    output,
    concurrency: demo.concurrency,
    body: 'none',
    quiet: demo.quiet,
  }
  const status = await runFetch(options, {
    stdin: Readable.from([]),
    stdout: io.stdout,
    stderr: io.stderr,
    reporter,
    handleSignals: io.handleSignals ?? true,
    resumeHint: 'a demo run cannot be resumed; start it again',
    ...(io.interrupt === undefined ? {} : { interrupt: io.interrupt }),
  })

  const completed = summary !== undefined && !summary.interrupted && summary.total === urls.length
  const written = summary !== undefined && summary.total > 0
  if (demo.quiet) {
    io.stdout.write(
      kept
        ? `asyncwith demo: records in ${output}\n`
        : 'asyncwith demo: records were in a temporary file, now removed (keep them with -o FILE)\n',
    )
  } else if (written && kept) {
    io.stdout.write(
      `Records (one JSON line per URL): ${output}\n` +
        `  see a few:      head -n 3 ${output}\n` +
        `  run your own:   asyncwith fetch -i urls.txt -o out.jsonl\n`,
    )
  } else if (written) {
    const firstThree = readFileSync(output, 'utf8').split('\n').slice(0, 3).join('\n')
    io.stdout.write(
      `The first records (one JSON line per URL; keep them all with -o FILE):\n${firstThree}\n` +
        `  run your own:   asyncwith fetch -i urls.txt -o out.jsonl\n`,
    )
  }
  if (status === EXIT.failed && completed) return EXIT.ok
  return status
}

/** Opens `path` for writing now, so a bad -o is a usage error before the banner. */
function checkWritable(path: string): void {
  try {
    closeSync(openSync(path, 'w'))
  } catch (error) {
    const code = (error as { code?: unknown }).code
    const why = code === 'ENOENT' ? `no such directory '${dirname(path)}'` : describeFsError(error)
    throw new UsageError(`cannot write '${path}': ${why}`)
  }
}
