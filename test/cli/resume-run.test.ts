import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { finished, parseRecords, ROOT, runCli, spawnCli, waitFor } from '../_helpers/cli.js'
import { startTestServer, type TestServer } from '../_helpers/http-server.js'

// What a user sees around --resume: the exact command after Ctrl-C, refusals of files that
// are not this run's records, "nothing to do", and re-fetching only the failures.

let server: TestServer
const dir = mkdtempSync(join(tmpdir(), 'asyncwith-cli-resume-run-'))
let hanging = true
const hung = new Set<ServerResponse>()

beforeAll(async () => {
  server = await startTestServer()
  server.route('/n/:n', (_req, res, { params }) => {
    res.statusCode = Number(params.n) % 3 === 0 ? 500 : 200
    res.end(`page ${params.n}`)
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

const urlList = (count: number, hangAt?: number) =>
  `${Array.from({ length: count }, (_, i) =>
    i + 1 === hangAt ? server.url('/hang') : server.url(`/n/${i + 1}`),
  ).join('\n')}\n`

/** Runs a shell command line whose first word is `asyncwith`, as a user pastes it. */
async function runPasted(commandLine: string) {
  expect(commandLine.startsWith('asyncwith ')).toBe(true)
  const cli = `'${process.execPath}' --import tsx src/cli/main.ts`
  const child = spawn('sh', ['-c', `exec ${cli} ${commandLine.slice('asyncwith '.length)}`], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  child.stdin.end()
  return finished(child)
}

describe('the Ctrl-C hint', () => {
  it('prints the exact command that resumes, and that command completes the run', async () => {
    hanging = true
    const input = join(dir, "it's urls.txt")
    const output = join(dir, 'hint.jsonl')
    writeFileSync(input, urlList(30, 2))
    const child = spawnCli(['fetch', '--concurrency', '2', '-i', input, '-o', output])
    const done = finished(child)
    await waitFor(
      () => hung.size === 1 && statSync(output, { throwIfNoEntry: false }) !== undefined,
    )
    child.kill('SIGINT')
    const result = await done
    expect(result.code).toBe(130)
    const hint = /; continue with: (asyncwith .*)$/m.exec(result.stderr)
    expect(hint, result.stderr).not.toBeNull()
    expect(hint![1]).toBe(
      `asyncwith fetch --concurrency 2 -i '${input.replace("'", "'\\''")}' -o ${output} --resume`,
    )

    hanging = false
    const resumed = await runPasted(hint![1]!)
    expect(resumed.code).toBe(1) // every third page is a 500
    const lines = parseRecords(readFileSync(output, 'utf8')).map((record) => record.line)
    expect(lines.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
  })

  it('says why a run whose records went to stdout cannot be resumed', async () => {
    hanging = true
    const child = spawnCli(['fetch', '-i', '-'])
    const done = finished(child)
    child.stdin!.write(urlList(3, 1))
    await waitFor(() => hung.size === 1)
    child.kill('SIGINT')
    const result = await done
    expect(result.code).toBe(130)
    expect(result.stderr).toMatch(
      /^Interrupted: .*; records went to stdout, so this run cannot be resumed \(give -o FILE to make a run resumable\)$/m,
    )
    expect(result.stderr).not.toContain('--resume')
    child.stdin!.destroy()
  })
})

describe('--resume refuses a file that is not records of this input', () => {
  it('refuses a URL list given as -o: exit 2, the first offending line named, nothing written', async () => {
    const list = join(dir, 'list-as-output.txt')
    const text = urlList(5)
    writeFileSync(list, text)
    const requests = server.requests.length
    const result = await runCli(['fetch', server.url('/n/1'), '-o', list, '--resume'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      `asyncwith: cannot resume: '${list}' line 1 is not a record of asyncwith fetch (${JSON.stringify(server.url('/n/1'))}); nothing was written\nTry 'asyncwith --help'.\n`,
    )
    expect(readFileSync(list, 'utf8')).toBe(text)
    expect(server.requests.length).toBe(requests)
  })

  it('refuses records of a different input list, naming the first line, writing nothing', async () => {
    const first = join(dir, 'first.txt')
    const second = join(dir, 'second.txt')
    const output = join(dir, 'other-input.jsonl')
    writeFileSync(first, urlList(4))
    writeFileSync(second, `${server.url('/n/40')}\n${server.url('/n/41')}\n`)
    expect((await runCli(['fetch', '-q', '--ordered', '-i', first, '-o', output])).code).toBe(1)
    const before = readFileSync(output, 'utf8')
    const requests = server.requests.length
    const result = await runCli(['fetch', '-i', second, '-o', output, '--resume'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(
      new RegExp(
        `^asyncwith: cannot resume: '${output}' line 1 records input line 1 with other text than .*nothing was written\\n`,
      ),
    )
    expect(readFileSync(output, 'utf8')).toBe(before)
    expect(server.requests.length).toBe(requests)
  })

  it('checks stdin as it is read, and stops at the first record of another input', async () => {
    const output = join(dir, 'stdin-other.jsonl')
    writeFileSync(
      output,
      `${JSON.stringify({ line: 1, input: 'http://127.0.0.1:9/x', ok: true })}\n`,
    )
    const result = await runCli(['fetch', '-i', '-', '-o', output, '--resume'], {
      stdin: `${server.url('/n/1')}\n`,
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`'${output}' line 1 records input line 1 with other text`)
    expect(result.stderr).toContain('the run stopped there')
  })
})

describe('a finished run', () => {
  it('says "nothing to do" when resumed, and fetches nothing', async () => {
    const input = join(dir, 'done.txt')
    const output = join(dir, 'done.jsonl')
    writeFileSync(input, urlList(4))
    await runCli(['fetch', '-q', '-i', input, '-o', output])
    const requests = server.requests.length
    const result = await runCli(['fetch', '-i', input, '-o', output, '--resume'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('nothing to do: all 4 inputs are recorded\n')
    expect(server.requests.length).toBe(requests)
  })

  it('gives the inputs that failed with `asyncwith failed`, to fetch again', async () => {
    const input = join(dir, 'some-fail.txt')
    const output = join(dir, 'some-fail.jsonl')
    writeFileSync(input, `${urlList(7)}not a url\n`)
    expect((await runCli(['fetch', '-q', '-i', input, '-o', output])).code).toBe(1)
    const failed = await runCli(['failed', output])
    expect(failed.code).toBe(0)
    expect(failed.stderr).toBe('')
    expect(failed.stdout).toBe(`${server.url('/n/3')}\n${server.url('/n/6')}\nnot a url\n`)

    const again = join(dir, 'again.txt')
    writeFileSync(again, failed.stdout)
    const refetched = await runCli(['fetch', '-q', '-i', again, '-o', join(dir, 'again.jsonl')])
    expect(refetched.code).toBe(1)
    expect(parseRecords(readFileSync(join(dir, 'again.jsonl'), 'utf8'))).toHaveLength(3)
  })

  it('`asyncwith failed` ignores a torn last record, as --resume drops it', async () => {
    const path = join(dir, 'torn-failed.jsonl')
    const failedRecord = JSON.stringify({ line: 2, input: 'http://b.test/', ok: false })
    writeFileSync(path, `${failedRecord}\n{"line":3,"inp`)
    const result = await runCli(['failed', path])
    expect(result).toMatchObject({ code: 0, stdout: 'http://b.test/\n' })
  })

  it('`asyncwith failed` refuses a file that is not records', async () => {
    const list = join(dir, 'not-records.txt')
    writeFileSync(list, 'http://a.test/\nhttp://b.test/\n')
    const result = await runCli(['failed', list])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      `asyncwith: '${list}' line 1 is not a record of asyncwith fetch\nTry 'asyncwith --help'.\n`,
    )
  })
})
