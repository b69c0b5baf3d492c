import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRecords, ROOT, runCli } from '../_helpers/cli.js'
import { startTestServer, type TestServer } from '../_helpers/http-server.js'

const script = 'dist/cli/main.js'
let server: TestServer

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT })
  server = await startTestServer()
}, 60_000)
afterAll(() => server?.close())

describe('dist/cli/main.js (the published bin)', () => {
  it('starts with a node shebang', () => {
    expect(readFileSync(join(ROOT, script), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node')
  })

  it('fetches URLs from stdin and exits 1 when one of them fails', async () => {
    const stdin = `${server.url('/text')}\n${server.url('/status/500')}\n`
    const { code, stdout, stderr } = await runCli(['fetch', '--retries', '0', '-i', '-'], {
      script,
      stdin,
    })
    expect(code).toBe(1)
    const records = parseRecords(stdout).sort((a, b) => a.line - b.line)
    expect(records.map((r) => [r.line, r.ok, r.status])).toEqual([
      [1, true, 200],
      [2, false, 500],
    ])
    expect(stderr).toMatch(/^2 URLs in .*: 1 2xx, 1 5xx\n$/)
  })

  it('reports a usage error with exit status 2', async () => {
    const { code, stderr } = await runCli(['fetch'], { script })
    expect(code).toBe(2)
    expect(stderr).toBe(
      "asyncwith: no URLs: give them as arguments, or with -i FILE (- reads stdin)\nTry 'asyncwith --help'.\n",
    )
  })
})
