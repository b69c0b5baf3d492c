import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))

/** Runs an example the way the README does (through tsx) and returns what it printed. */
async function runExample(name: string): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', `examples/${name}`], {
    cwd: root,
    timeout: 30_000,
  })
  expect(stderr).toBe('')
  return stdout
}

describe('examples/', () => {
  it('context-manager.ts prints what the Python async context manager prints', async () => {
    expect(await runExample('context-manager.ts')).toBe(
      'Entering context\nInside context\nExiting context\n',
    )
  })

  it('async-generator.ts prints 0 to 4 like the Python async generator', async () => {
    expect(await runExample('async-generator.ts')).toBe('0\n1\n2\n3\n4\n')
  })

  it('fetch.ts prints one page per URL, in order, from its local server', async () => {
    expect(await runExample('fetch.ts')).toBe(
      [
        '<h1>Example Domain: example.com</h1>',
        '<h1>Example Domain: example.org</h1>',
        '<h1>Example Domain: example.net</h1>',
        '',
      ].join('\n'),
    )
  })

  it('fetch-concurrent.ts fetches the same pages with a TaskGroup, two at a time', async () => {
    expect(await runExample('fetch-concurrent.ts')).toBe(
      [
        '<h1>Example Domain: example.com</h1>',
        '<h1>Example Domain: example.org</h1>',
        '<h1>Example Domain: example.net</h1>',
        'at most 2 requests were in flight',
        '',
      ].join('\n'),
    )
  })

  it('fetch-all.ts prints one outcome per input, in order, bad inputs included', async () => {
    expect(await runExample('fetch-all.ts')).toBe(
      [
        '0 200 page /a',
        '1 200 page /b',
        '2 ASYNCWITH_INVALID_URL not a url',
        '3 404 page /missing',
        '4 ASYNCWITH_INVALID_URL ftp://example.com/',
        '',
      ].join('\n'),
    )
  })
})
