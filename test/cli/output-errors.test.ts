import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { finished, parseRecords, ROOT, runCli } from '../_helpers/cli.js'
import { startTestServer, type TestServer } from '../_helpers/http-server.js'

// Where records or bodies cannot go: a reader that closes the pipe, a full disk, a directory
// that cannot be written. Each ends the way its users expect, saying only what is true.

let server: TestServer
const dir = mkdtempSync(join(tmpdir(), 'asyncwith-cli-output-'))
const COUNT = 2000

beforeAll(async () => {
  server = await startTestServer()
  server.route('/n/:n', (_req, res, { params }) => {
    res.end(`page ${params.n}`)
  })
  writeFileSync(
    join(dir, 'urls.txt'),
    `${Array.from({ length: COUNT }, (_, i) => server.url(`/n/${i}`)).join('\n')}\n`,
  )
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a closed stdout (| head)', () => {
  it('stops the run quietly with exit status 141, as other tools in a pipeline do', async () => {
    const cli = `'${process.execPath}' --import tsx src/cli/main.ts`
    const child = spawn(
      'bash',
      [
        '-c',
        `${cli} fetch -i '${join(dir, 'urls.txt')}' | head -2; echo "status \${PIPESTATUS[0]}" >&2`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    const result = await finished(child, 30_000)
    expect(result.code).toBe(0)
    expect(result.stdout.split('\n').filter(Boolean)).toHaveLength(2)
    // No message, no summary: only the status the shell saw.
    expect(result.stderr).toBe('status 141\n')
    // It stopped: far fewer than every URL was fetched.
    expect(server.requests.length).toBeLessThan(COUNT)
  })
})

describe('a full disk', () => {
  it.runIf(existsSync('/dev/full'))(
    'says how many records are safely in the file and that --resume continues, with no false summary',
    async () => {
      const result = await runCli(['fetch', '-i', join(dir, 'urls.txt'), '-o', '/dev/full'], {
        timeout: 30_000,
      })
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(
        /^asyncwith: cannot write records to '\/dev\/full': no space left on device \(ENOSPC\); 0 records of this run are safely in it; once the cause is fixed, continue with: asyncwith fetch -i \S+ -o \/dev\/full --resume\n$/,
      )
      expect(result.stderr).not.toMatch(/URLs in/)
    },
  )
})

/** Whether `unshare -rm` can mount a small tmpfs here (a user namespace, no root needed). */
const canMountTmpfs =
  process.platform === 'linux' &&
  spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /tmp'], {
    stdio: 'ignore',
  }).status === 0

describe('a disk that fills up mid-run', () => {
  it.runIf(canMountTmpfs)(
    'counts exactly the whole records in the file, and --resume from them completes the run',
    async () => {
      const disk = join(dir, 'small-disk')
      const copy = join(dir, 'copied.jsonl')
      mkdirSync(disk)
      const cli = `'${process.execPath}' --import tsx src/cli/main.ts`
      // A 64 KiB tmpfs in a mount namespace of its own; the file is copied out before it goes.
      const script = `mount -t tmpfs -o size=64k tmpfs '${disk}' && ${cli} fetch --body none -i '${join(dir, 'urls.txt')}' -o '${disk}/out.jsonl'; code=$?; cp '${disk}/out.jsonl' '${copy}'; exit $code`
      const child = spawn('unshare', ['-rm', 'sh', '-c', script], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      child.stdout.setEncoding('utf8')
      child.stderr.setEncoding('utf8')
      const result = await finished(child, 60_000)
      expect(result.code).toBe(1)
      const said =
        /; (\d+) records of this run are safely in it; once the cause is fixed, continue with: asyncwith fetch /.exec(
          result.stderr,
        )
      expect(said, result.stderr).not.toBeNull()
      expect(result.stderr).toMatch(/no space left on device \(ENOSPC\)/)
      expect(result.stderr).not.toMatch(/URLs in/)
      const text = readFileSync(copy, 'utf8')
      const whole = text.slice(0, text.lastIndexOf('\n') + 1)
      const records = parseRecords(whole)
      expect(records.length).toBe(Number(said![1]))
      expect(records.length).toBeGreaterThan(0)
      expect(records.length).toBeLessThan(COUNT)

      // Off the full disk, --resume repairs the torn tail and fetches only what is missing.
      const resumed = await runCli(
        ['fetch', '-q', '--body', 'none', '-i', join(dir, 'urls.txt'), '-o', copy, '--resume'],
        { timeout: 60_000 },
      )
      expect(resumed, resumed.stderr).toMatchObject({ code: 0 })
      const lines = parseRecords(readFileSync(copy, 'utf8')).map((record) => record.line)
      expect(new Set(lines).size).toBe(COUNT)
      expect(lines).toHaveLength(COUNT)
    },
  )
})

describe('--body-dir that cannot be written', () => {
  it.runIf(existsSync('/sys/kernel'))(
    'is a usage error naming the real cause, before any request',
    async () => {
      const requests = server.requests.length
      const result = await runCli(['fetch', '--body-dir', '/sys/kernel', server.url('/n/1')])
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(
        /^asyncwith: cannot write to --body-dir '\/sys\/kernel': (permission denied \(EACCES\)|read-only file system \(EROFS\)|operation not permitted \(EPERM\))\n/,
      )
      expect(server.requests.length).toBe(requests)
    },
  )

  it('names a file in the way of the directory', async () => {
    const file = join(dir, 'a-file')
    writeFileSync(file, '')
    const result = await runCli(['fetch', '--body-dir', join(file, 'bodies'), server.url('/n/1')])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(
      `cannot write to --body-dir '${join(file, 'bodies')}': a part of the path is not a directory (ENOTDIR)`,
    )
  })
})
