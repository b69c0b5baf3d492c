import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { planPages, startDemoServer } from '../../src/cli/_demo-server.js'
import { parseDemo, runDemo } from '../../src/cli/demo.js'
import { UsageError } from '../../src/cli/errors.js'
import { parseRecords, runCli } from '../_helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'asyncwith-demo-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A writable that keeps what it gets, as text. */
function collector(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      stream.text += String(chunk)
      callback()
    },
  }) as Writable & { text: string }
  stream.text = ''
  return stream
}

const SUMMARY =
  /^(\d+) URLs in [\d.]+ m?s \([\d.]+\/s\): (\d+) 2xx, 2 4xx, (\d+) 5xx; (\d+) errors? \(ASYNCWITH_CONNECTION \d+\)$/

describe('planPages()', () => {
  it('gives the same mix on every call', () => {
    expect(planPages(300)).toEqual(planPages(300))
  })

  it('makes about 10% slow, 5% failing and 5% redirecting pages of 1 to 8 KiB', () => {
    const pages = planPages(1000)
    const count = (kind: string) => pages.filter((page) => page.kind === kind).length
    expect(count('slow')).toBeGreaterThan(60)
    expect(count('slow')).toBeLessThan(140)
    expect(count('error') + count('reset')).toBeGreaterThan(25)
    expect(count('error') + count('reset')).toBeLessThan(80)
    expect(count('redirect')).toBeGreaterThan(25)
    expect(count('redirect')).toBeLessThan(80)
    for (const page of pages) {
      expect(page.size).toBeGreaterThanOrEqual(1024)
      expect(page.size).toBeLessThanOrEqual(8 * 1024)
    }
    for (const page of pages.filter((p) => p.kind === 'slow')) {
      expect(page.delay).toBeGreaterThanOrEqual(100)
      expect(page.delay).toBeLessThanOrEqual(800)
    }
  })

  it('sends every redirect to a page that answers at once', () => {
    const pages = planPages(300)
    for (const page of pages.filter((p) => p.kind === 'redirect')) {
      expect(pages[page.target]!.kind).toBe('ok')
    }
  })
})

describe('startDemoServer()', () => {
  it('serves each kind of page as planned, on 127.0.0.1', async () => {
    await using server = await startDemoServer({ pages: 200, slowFactor: 0.1 })
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const get = (n: number) =>
      fetch(`${server.origin}/page/${n}`, { redirect: 'manual' }).then(async (response) => ({
        status: response.status,
        location: response.headers.get('location'),
        body: await response.text(),
      }))
    const first = (kind: string) => server.pages.find((page) => page.kind === kind)!

    const ok = await get(first('ok').n)
    expect(ok.status).toBe(200)
    expect(ok.body).toMatch(/^<!doctype html>/)
    expect(Buffer.byteLength(ok.body)).toBe(first('ok').size)
    expect((await get(first('slow').n)).status).toBe(200)
    expect((await get(first('error').n)).status).toBe(500)
    const redirect = await get(first('redirect').n)
    expect(redirect.status).toBe(302)
    expect(redirect.location).toBe(`/page/${first('redirect').target}`)
    await expect(get(first('reset').n)).rejects.toThrow()
    expect((await fetch(`${server.origin}/page/200`)).status).toBe(404)
  })

  it('lists every page once plus two URLs that are not found', async () => {
    await using server = await startDemoServer({ pages: 10 })
    const urls = server.urls()
    expect(urls).toHaveLength(12)
    expect(new Set(urls).size).toBe(12)
  })

  it('ends slow responses in flight when closed', async () => {
    const server = await startDemoServer({ pages: 300, slowFactor: 100 })
    const slow = server.pages.find((page) => page.kind === 'slow')!
    const pending = fetch(`${server.origin}/page/${slow.n}`)
    // The request must reach the server before it closes.
    while (server.requests === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    const started = Date.now()
    await server.close()
    await expect(pending).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

describe('parseDemo()', () => {
  it('reads --pages, -o, --concurrency and --quiet', () => {
    expect(parseDemo(['--pages', '20', '-o', 'x.jsonl', '--concurrency', '4', '-q'])).toEqual({
      pages: 20,
      output: 'x.jsonl',
      concurrency: 4,
      quiet: true,
      help: false,
    })
  })

  it.each([
    [['--pages', '0']],
    [['--pages', '1.5']],
    [['--pages', '200000']],
    [['--concurrency', 'many']],
    [['--nope']],
    [['extra']],
  ])('throws UsageError for %j', (argv) => {
    expect(() => parseDemo(argv)).toThrow(UsageError)
  })
})

describe('runDemo()', () => {
  it('fetches every page, writes one record per URL and prints the summary', async () => {
    const stdout = collector()
    const stderr = collector()
    const output = join(dir, 'in-process.jsonl')
    const code = await runDemo({
      stdout,
      stderr,
      argv: ['--pages', '60', '-o', output],
      handleSignals: false,
    })
    expect(code).toBe(0)
    expect(stdout.text).toMatch(/^asyncwith demo: fetching 62 URLs from a local server/)
    expect(stdout.text).toContain(output)
    const lines = stderr.text.split('\n')
    expect(lines.at(-1)).toBe('')
    expect(lines.at(-2)).toMatch(SUMMARY)
    expect(lines.at(-2)).toMatch(/^62 URLs/)
    const records = parseRecords(readFileSync(output, 'utf8'))
    expect(records).toHaveLength(62)
    expect(records.filter((record) => record.status === 404)).toHaveLength(2)
  })

  it('stops and returns 130 with a resumable summary when interrupted', async () => {
    const stdout = collector()
    const stderr = collector()
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 150)
    const code = await runDemo({
      stdout,
      stderr,
      argv: ['--pages', '2000', '--concurrency', '2', '-o', join(dir, 'interrupted.jsonl')],
      handleSignals: false,
      interrupt: controller.signal,
    })
    expect(code).toBe(130)
    // -o was given, but a demo's server and pages are gone after it: it says so.
    expect(stderr.text).toMatch(
      /^Interrupted: \d+ URLs in .*; a demo run cannot be resumed; start it again$/m,
    )
  })

  it('removes its temporary directory when no -o is given, after showing the first records', async () => {
    const stdout = collector()
    const stderr = collector()
    const temp = mkdtempSync(join(dir, 'tmp-'))
    const saved = process.env.TMPDIR
    process.env.TMPDIR = temp
    try {
      const code = await runDemo({ stdout, stderr, argv: ['--pages', '20'], handleSignals: false })
      expect(code).toBe(0)
    } finally {
      if (saved === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved
    }
    expect(readdirSync(temp)).toEqual([])
    const shown = stdout.text.split('\n').filter((line) => line.startsWith('{'))
    expect(shown).toHaveLength(3)
    for (const line of shown) expect(JSON.parse(line)).toHaveProperty('line')
    expect(stdout.text).toContain('keep them all with -o FILE')
  })

  it('with -q names where the records went: the -o file, or that they were removed', async () => {
    const output = join(dir, 'quiet-named.jsonl')
    const kept = collector()
    expect(
      await runDemo({
        stdout: kept,
        stderr: collector(),
        argv: ['-q', '--pages', '10', '-o', output],
        handleSignals: false,
      }),
    ).toBe(0)
    expect(kept.text).toBe(`asyncwith demo: records in ${output}\n`)
    const removed = collector()
    expect(
      await runDemo({
        stdout: removed,
        stderr: collector(),
        argv: ['-q', '--pages', '10'],
        handleSignals: false,
      }),
    ).toBe(0)
    expect(removed.text).toBe(
      'asyncwith demo: records were in a temporary file, now removed (keep them with -o FILE)\n',
    )
  })

  it('writes the help on stdout for --help and runs nothing', async () => {
    const stdout = collector()
    const stderr = collector()
    expect(await runDemo({ stdout, stderr, argv: ['--help'] })).toBe(0)
    expect(stdout.text).toMatch(/^Usage: asyncwith demo/)
    expect(stderr.text).toBe('')
  })
})

describe('asyncwith demo', () => {
  it('runs the pipeline against its own server and exits 0, with no bar off a terminal', async () => {
    const output = join(dir, 'spawned.jsonl')
    const started = Date.now()
    const { code, stdout, stderr } = await runCli(['demo', '-o', output], { timeout: 30_000 })
    expect({ code, stderr }).toMatchObject({ code: 0 })
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(stdout).toMatch(
      /^asyncwith demo: fetching 302 URLs from a local server at http:\/\/127\.0\.0\.1:\d+/,
    )
    expect(stdout).toContain(`Records (one JSON line per URL): ${output}`)
    expect(stderr).not.toContain('\x1b')
    expect(stderr).not.toContain('\r')
    const summary = stderr.trimEnd().split('\n').at(-1)!
    const match = SUMMARY.exec(summary)
    expect(match, summary).not.toBeNull()
    expect(Number(match![1])).toBe(302)
    const records = parseRecords(readFileSync(output, 'utf8'))
    expect(records).toHaveLength(302)
    expect(records.filter((record) => record.ok).length).toBe(Number(match![2]))
  })

  it('writes nothing on stderr with --quiet', async () => {
    const { code, stderr } = await runCli([
      'demo',
      '-q',
      '--pages',
      '30',
      '-o',
      join(dir, 'q.jsonl'),
    ])
    expect(code).toBe(0)
    expect(stderr).toBe('')
  })

  it('checks -o before the banner: exit 2, nothing on stdout, a pointer to demo --help', async () => {
    const { code, stdout, stderr } = await runCli(['demo', '-o', join(dir, 'missing', 'x.jsonl')])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      `asyncwith: cannot write '${join(dir, 'missing', 'x.jsonl')}': no such directory '${join(dir, 'missing')}'\nTry 'asyncwith demo --help'.\n`,
    )
  })

  it('exits 2 with a usage message for a bad argument', async () => {
    const { code, stderr } = await runCli(['demo', '--pages', 'lots'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/--pages must be a whole number of 1 or more/)
  })
})
