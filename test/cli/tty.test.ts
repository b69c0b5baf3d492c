import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRecords, ROOT } from '../_helpers/cli.js'

// Runs the CLI under a pseudo-terminal with util-linux `script`, so its stderr is a real TTY,
// and checks what a user would see: the bar drawn in place while the run goes, and gone at
// the end, leaving only the summary line.

const hasScript = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0
const URLS = 60
const ESC = '\x1b'
/** An escape sequence `ESC [ n letter`. */
const CSI = new RegExp(`^${ESC}\\[(\\d*)([A-Za-z])`)
/** One frame of the bar: `\r`, erase-line, then the bar with done/total and percent. */
const FRAME = new RegExp(`\\r${ESC}\\[2K(\\[[#-]+\\] \\d+/60 \\d+%[^\\r\\n]*)`, 'g')
const DELAY_MS = 60

/** Replays terminal output into the final screen: `\r`, `\n`, erase-line and printable text. */
function screen(output: string): string[] {
  const lines: string[][] = [[]]
  let row = 0
  let col = 0
  for (let i = 0; i < output.length; i++) {
    const char = output[i]!
    if (char === '\x1b') {
      const match = CSI.exec(output.slice(i))
      if (match === null) continue
      if (match[2] === 'K' && match[1] === '2') lines[row] = []
      else if (match[2] === 'K') lines[row]!.length = col
      i += match[0].length - 1
    } else if (char === '\r') {
      col = 0
    } else if (char === '\n') {
      row++
      col = 0
      lines[row] ??= []
    } else {
      lines[row]![col++] = char
    }
  }
  return lines.map((line) =>
    Array.from(line, (c) => c ?? ' ')
      .join('')
      .trimEnd(),
  )
}

const title = hasScript
  ? 'asyncwith fetch on a terminal'
  : 'asyncwith fetch on a terminal (skipped: needs util-linux `script` for a pseudo-terminal)'

describe.skipIf(!hasScript)(title, () => {
  let server: Server
  let dir: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'asyncwith-tty-'))
    server = createServer((req, res) => {
      setTimeout(() => {
        res.writeHead(req.url === '/page/7' ? 404 : 200, { 'content-type': 'text/plain' })
        res.end(`page ${req.url}\n`)
      }, DELAY_MS)
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const urls = Array.from({ length: URLS }, (_, i) => `http://127.0.0.1:${port}/page/${i}`)
    writeFileSync(join(dir, 'urls.txt'), `${urls.join('\n')}\n`)
  })

  afterAll(async () => {
    server.closeAllConnections()
    server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Runs `asyncwith <args>` under `script`, with a 100-column terminal; gives all it printed. */
  async function underTerminal(
    args: string,
    env: Record<string, string> = {},
  ): Promise<{ code: number | null; output: string }> {
    const command = `stty cols 100 rows 40 2>/dev/null; exec '${process.execPath}' --import tsx src/cli/main.ts ${args}`
    const { NO_COLOR: _, ...rest } = process.env
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: ROOT,
      env: { ...rest, TERM: 'xterm', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text
    })
    child.stderr.resume()
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const [code] = (await once(child, 'close')) as [number | null]
    clearTimeout(timer)
    return { code, output }
  }

  it('draws the bar in place while the run goes, then erases it and prints the summary', async () => {
    const out = join(dir, 'out.jsonl')
    const { code, output } = await underTerminal(
      `fetch -i ${join(dir, 'urls.txt')} -o ${out} --concurrency 4`,
    )
    expect(code).toBe(1) // one URL is 404

    // Frames: each one starts with \r and erase-line, and shows done/total, percent and ETA.
    const frames = [...output.matchAll(FRAME)].map((match) => match[1]!)
    expect(frames.length).toBeGreaterThanOrEqual(3)
    expect(frames.some((frame) => / · ETA \d+s/.test(frame))).toBe(true)
    expect(frames.some((frame) => / · \d+(\.\d)?\/s/.test(frame))).toBe(true)
    for (const frame of frames) expect(frame.length).toBeLessThan(100)
    // The 404 shows as a failure while the run goes, as in the summary and exit status.
    expect(frames.some((frame) => frame.endsWith(' · 1 failed'))).toBe(true)
    const counts = frames.map((frame) => Number(/\] (\d+)\//.exec(frame)![1]))
    expect(counts).toEqual([...counts].sort((a, b) => a - b))

    // The last frame is followed by an erase-line, then the summary line.
    const lastFrame = output.lastIndexOf(frames.at(-1)!)
    const erase = output.indexOf('\r\x1b[2K', lastFrame)
    expect(erase).toBeGreaterThan(lastFrame)
    expect(output.slice(erase + 5)).toMatch(
      /^60 URLs in [\d.]+ m?s \([\d.]+\/s\): 59 2xx, 1 4xx\r?\n/,
    )

    // What is left on screen: the summary, and nothing of the bar.
    const lines = screen(output).filter((line) => line !== '')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^60 URLs in .*: 59 2xx, 1 4xx$/)

    expect(parseRecords(readFileSync(out, 'utf8'))).toHaveLength(URLS)
  })

  it.each([
    ['TERM=dumb', { TERM: 'dumb' }],
    ['NO_COLOR=1', { NO_COLOR: '1' }],
  ])('with %s writes no cursor control at all, only plain lines', async (_name, env) => {
    const { code, output } = await underTerminal(
      `fetch -i ${join(dir, 'urls.txt')} -o ${join(dir, 'plain.jsonl')} --concurrency 8`,
      env,
    )
    expect(code).toBe(1)
    expect(output).not.toContain('\x1b')
    // The terminal turns each \n into \r\n; no other \r (a redraw) may appear.
    expect(output.replaceAll('\r\n', '\n')).not.toContain('\r')
    expect(output).toMatch(/^60 URLs in .*: 59 2xx, 1 4xx\r?\n$/m)
  })

  it('draws nothing and prints nothing on stderr with --quiet', async () => {
    const { code, output } = await underTerminal(
      `fetch -q -i ${join(dir, 'urls.txt')} -o ${join(dir, 'quiet.jsonl')} --concurrency 8`,
    )
    expect(code).toBe(1)
    expect(output).not.toContain('\x1b[2K')
    expect(output.trim()).toBe('')
  })
})
