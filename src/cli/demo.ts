/**
 * `asyncwith demo`: the whole `fetch` pipeline with no network. It starts a local server with
 * a few hundred generated pages (some slow, some failing, some redirecting), runs `fetch` over
 * them with the progress bar, and prints the summary.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, type Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { startDemoServer } from './_demo-server.js'
import { FETCH_DEFAULTS, type FetchOptions } from './args.js'
import { UsageError } from './errors.js'
import { EXIT, runFetch } from './fetch-command.js'
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
}

export const DEMO_HELP = `Usage: asyncwith demo [--pages N] [-o FILE] [--concurrency N] [-q]

Starts a local server on 127.0.0.1 with N generated pages (default 300; about 10% slow,
5% failing with 500 or a connection reset, 5% redirecting, plus 2 URLs that are 404), runs
fetch over them with a progress bar, and prints the summary. No network is used. Records go
to -o FILE, or to records.jsonl in a new temporary directory, whose path is printed.
Exit status: 0 when the run completed (the failures are on purpose), 130 interrupted.
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

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--${name} expects a positive integer, got '${text}'`)
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
    throw new UsageError((error as Error).message.split('\n')[0]!)
  }
  const pages = positiveInteger('pages', values.pages as string | undefined, 300)
  if (pages > 100_000) throw new UsageError(`--pages is at most 100000, got '${values.pages}'`)
  return {
    pages,
    output: values.output as string | undefined,
    concurrency: positiveInteger(
      'concurrency',
      values.concurrency as string | undefined,
      FETCH_DEFAULTS.concurrency,
    ),
    quiet: values.quiet === true,
    help: values.help === true,
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
  const output =
    demo.output ?? join(mkdtempSync(join(tmpdir(), 'asyncwith-demo-')), 'records.jsonl')

  await using server = await startDemoServer({ pages: demo.pages })
  const urls = server.urls()
  if (!demo.quiet) {
    io.stdout.write(
      `asyncwith demo: fetching ${urls.length} URLs from a local server at ${server.origin}\n` +
        '(some slow, some failing with 500 or a reset connection, some redirecting; no network)\n',
    )
  }

  // The usual reporter, watched, so the demo knows whether the run went through.
  const inner = createReporter({ stream: io.stderr, quiet: demo.quiet })
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
    ...(io.interrupt === undefined ? {} : { interrupt: io.interrupt }),
  })

  const completed = summary !== undefined && !summary.interrupted && summary.total === urls.length
  if (!demo.quiet && summary !== undefined && summary.total > 0) {
    io.stdout.write(
      `Records (one JSON line per URL): ${output}\n` +
        `  see a few:      head -n 3 ${output}\n` +
        `  run your own:   asyncwith fetch -i urls.txt -o out.jsonl\n`,
    )
  }
  if (status === EXIT.failed && completed) return EXIT.ok
  return status
}
