import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { finished, parseRecords, runCli, spawnCli, waitFor } from '../_helpers/cli.js'
import { startTestServer, type TestServer } from '../_helpers/http-server.js'

let server: TestServer
const dir = mkdtempSync(join(tmpdir(), 'asyncwith-cli-interrupt-'))
/** While true, `/hang` never answers. */
let hanging = true
const hung = new Set<ServerResponse>()

beforeAll(async () => {
  server = await startTestServer()
  server.route('/n/:n', (_req, res, { params, url }) => {
    const ms = Number(url.searchParams.get('ms') ?? 0)
    setTimeout(() => res.end(`page ${params.n}`), ms)
  })
  server.route('/hang', (_req, res) => {
    if (!hanging) return void res.end('answered')
    hung.add(res)
    res.once('close', () => hung.delete(res))
  })
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Newline-terminated lines in `path` so far. */
function linesIn(path: string): number {
  try {
    const text = readFileSync(path, 'utf8')
    let n = 0
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
    return n
  } catch {
    return 0
  }
}

/** Checks that `path` holds exactly one ok record for each of lines 1..count, in any order. */
function expectEveryLineOnce(path: string, count: number, urlOf: (line: number) => string): void {
  const records = parseRecords(readFileSync(path, 'utf8'))
  const seen = new Map<number, number>()
  for (const record of records) {
    seen.set(record.line, (seen.get(record.line) ?? 0) + 1)
    expect(record.input).toBe(urlOf(record.line))
    expect(record.ok).toBe(true)
  }
  const wrong = [...seen].filter(([, n]) => n !== 1)
  expect(wrong).toEqual([])
  expect(records).toHaveLength(count)
  expect(Math.min(...seen.keys())).toBe(1)
  expect(Math.max(...seen.keys())).toBe(count)
}

describe('asyncwith fetch --resume', () => {
  it('records every input exactly once after a SIGKILL mid-run and a resume', async () => {
    const count = 3000
    const urlOf = (line: number) => server.url(`/n/${line}?ms=4`)
    const input = join(dir, 'many.txt')
    const output = join(dir, 'many.jsonl')
    writeFileSync(input, `${Array.from({ length: count }, (_, i) => urlOf(i + 1)).join('\n')}\n`)
    const args = ['fetch', '-q', '--body', 'none', '--concurrency', '16', '-i', input, '-o', output]

    const child = spawnCli(args)
    const done = finished(child)
    await waitFor(() => linesIn(output) >= 300, 15_000)
    child.kill('SIGKILL')
    const killed = await done
    expect(killed.signal).toBe('SIGKILL')
    const recordedBefore = linesIn(output)
    expect(recordedBefore).toBeLessThan(count)
    // A crash in the middle of a write leaves a torn last line; --resume must drop it.
    appendFileSync(output, `{"line":${count},"input":"${urlOf(count)}","ok":tr`)

    const requestsBefore = server.requests.length
    const resumed = await runCli([...args, '--resume'])
    expect(resumed.code).toBe(0)
    expectEveryLineOnce(output, count, urlOf)
    // Only the inputs without a record were fetched again.
    expect(server.requests.length - requestsBefore).toBe(count - recordedBefore)
  })

  it('exits 130 on SIGINT with whole records, and a resume completes the run', async () => {
    hanging = true
    const count = 60
    const urlOf = (line: number) =>
      line === 3 ? server.url('/hang') : server.url(`/n/${line}?ms=40`)
    const text = `${Array.from({ length: count }, (_, i) => urlOf(i + 1)).join('\n')}\n`
    const output = join(dir, 'interrupted.jsonl')

    // Input from stdin, left open: the interrupt must also stop waiting for more lines.
    const child = spawnCli(['fetch', '--concurrency', '4', '-i', '-', '-o', output])
    const done = finished(child)
    child.stdin!.write(text)
    await waitFor(() => hung.size === 1 && linesIn(output) >= 8)
    const signalled = Date.now()
    child.kill('SIGINT')
    const result = await done
    const took = Date.now() - signalled
    expect(result.code).toBe(130)
    expect(took).toBeGreaterThanOrEqual(900) // in-flight requests get a grace second…
    expect(took).toBeLessThan(3000) // …and the hung one is then aborted
    expect(result.stderr).toMatch(/^Interrupted: .*--resume/m)
    const records = parseRecords(readFileSync(output, 'utf8'))
    expect(records.length).toBeLessThan(count)
    expect(records.some((r) => r.line === 3)).toBe(false)

    hanging = false
    const input = join(dir, 'interrupted.txt')
    writeFileSync(input, text)
    const resumed = await runCli(['fetch', '-q', '-i', input, '-o', output, '--resume'])
    expect(resumed.code).toBe(0)
    expectEveryLineOnce(output, count, urlOf)
  })

  it('exits at once on a second SIGINT', async () => {
    hanging = true
    const output = join(dir, 'twice.jsonl')
    const child = spawnCli(['fetch', '-q', '-i', '-', '-o', output])
    const done = finished(child)
    child.stdin!.write(`${server.url('/n/1')}\n${server.url('/hang')}\n`)
    await waitFor(() => hung.size === 1)
    const signalled = Date.now()
    child.kill('SIGINT')
    await new Promise((resolve) => setTimeout(resolve, 100))
    child.kill('SIGINT')
    const result = await done
    expect(result.code).toBe(130)
    expect(Date.now() - signalled).toBeLessThan(950) // before the grace second ends
    expect(parseRecords(readFileSync(output, 'utf8')).map((r) => r.line)).toEqual([1])
  })
})
