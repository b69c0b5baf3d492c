import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createReporter,
  formatBar,
  formatDuration,
  formatEta,
  formatRate,
  formatSummary,
} from '../../src/cli/progress.js'
import type { RunSummary } from '../../src/cli/reporter.js'

/** A stream that keeps what was written, with the terminal traits a test gives it. */
function fakeStream(traits: { isTTY?: boolean; columns?: number } = {}) {
  const chunks: string[] = []
  return {
    ...traits,
    chunks,
    write(chunk: string) {
      chunks.push(chunk)
      return true
    },
    get text() {
      return chunks.join('')
    },
  }
}

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    total: 5000,
    ok: 4950,
    failed: 50,
    byStatusClass: { '2xx': 4890, '3xx': 60, '4xx': 30, '5xx': 20 },
    errors: { ASYNCWITH_TIMEOUT: 8, ASYNCWITH_CONNECTION: 4 },
    wallMs: 6200,
    interrupted: false,
    skipped: 0,
    ...overrides,
  }
}

describe('formatDuration()', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [1000, '1.0 s'],
    [6200, '6.2 s'],
    [9960, '10.0 s'],
    [42_400, '42 s'],
    [185_000, '3 min 5 s'],
    [7_440_000, '2 h 4 min'],
    [-5, '0 ms'],
    [Number.NaN, '0 ms'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})

describe('formatEta()', () => {
  it.each([
    [0, '0s'],
    [4200, '5s'],
    [65_000, '1m05s'],
    [7_440_000, '2h04m'],
    [500 * 3_600_000, '>99h'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatEta(ms)).toBe(text)
  })
})

describe('formatRate()', () => {
  it.each([
    [812.4, '812/s'],
    [45.5, '46/s'],
    [3.44, '3.4/s'],
    [0.04, '0.0/s'],
    [Number.POSITIVE_INFINITY, '0.0/s'],
  ])('formats %d per second as %s', (rate, text) => {
    expect(formatRate(rate)).toBe(text)
  })
})

describe('formatBar()', () => {
  it('shows the bar, done/total, percent, rate, ETA and failures when the total is known', () => {
    expect(formatBar({ done: 1234, total: 5000, rate: 812, failed: 3, columns: 100 })).toBe(
      '[#######-----------------------] 1234/5000 24% · 812/s · ETA 5s · 3 failed',
    )
  })

  it('shows the count done, rate and failures when the total is not known', () => {
    expect(formatBar({ done: 1234, total: undefined, rate: 812, failed: 3, columns: 100 })).toBe(
      '1234 done · 812/s · 3 failed',
    )
  })

  it('leaves out the rate and ETA before there is a rate, and failures while there are none', () => {
    expect(formatBar({ done: 0, total: 10, rate: undefined, failed: 0, columns: 60 })).toBe(
      '[------------------------------] 0/10 0%',
    )
  })

  it('counts one failure as "1 failed"', () => {
    expect(formatBar({ done: 1, total: undefined, rate: undefined, failed: 1, columns: 80 })).toBe(
      '1 done · 1 failed',
    )
  })

  it('leaves out the ETA when everything is done', () => {
    expect(formatBar({ done: 10, total: 10, rate: 5, failed: 0, columns: 80 })).toBe(
      '[##############################] 10/10 100% · 5.0/s',
    )
  })

  it('narrows the bar to fit the terminal, then drops it, and never reaches the last column', () => {
    const state = { done: 500, total: 1000, rate: 100, failed: 2 }
    const text = '500/1000 50% · 100/s · ETA 5s · 2 failed'
    const narrow = formatBar({ ...state, columns: text.length + 15 })
    expect(narrow).toBe(`[#####------] ${text}`)
    expect(narrow.length).toBe(text.length + 14)
    expect(formatBar({ ...state, columns: text.length + 5 })).toBe(text)
    expect(formatBar({ ...state, columns: 20 })).toHaveLength(19)
  })

  it('does not overflow when more records than the total came in', () => {
    expect(formatBar({ done: 12, total: 10, rate: undefined, failed: 0, columns: 30 })).toBe(
      '[################] 10/10 100%',
    )
  })
})

describe('formatSummary()', () => {
  it('lists counts by status class, errors by code, wall time and rate', () => {
    expect(formatSummary(summary())).toBe(
      '5000 URLs in 6.2 s (806/s): 4890 2xx, 60 3xx, 30 4xx, 20 5xx; 12 errors (ASYNCWITH_TIMEOUT 8, ASYNCWITH_CONNECTION 4)',
    )
  })

  it('orders status classes numerically and error codes by count', () => {
    const line = formatSummary(
      summary({
        total: 6,
        byStatusClass: { '5xx': 1, '2xx': 2, '4xx': 0 },
        errors: { B_CODE: 1, A_CODE: 1, C_CODE: 2 },
        wallMs: 500,
      }),
    )
    expect(line).toBe(
      '6 URLs in 500 ms (12/s): 2 2xx, 1 5xx; 4 errors (C_CODE 2, A_CODE 1, B_CODE 1)',
    )
  })

  it('leaves out the details when nothing was fetched', () => {
    expect(formatSummary(summary({ total: 0, byStatusClass: {}, errors: {}, wallMs: 3 }))).toBe(
      '0 URLs in 3 ms (0.0/s)',
    )
  })

  it('says error and URL in the singular for one', () => {
    expect(
      formatSummary(
        summary({ total: 1, byStatusClass: {}, errors: { ASYNCWITH_CONNECTION: 1 }, wallMs: 2000 }),
      ),
    ).toBe('1 URL in 2.0 s (0.5/s): 1 error (ASYNCWITH_CONNECTION 1)')
  })

  it('starts with Interrupted and says how to resume when the run was interrupted', () => {
    const line = formatSummary(
      summary({ total: 1200, byStatusClass: { '2xx': 1200 }, errors: {}, interrupted: true }),
    )
    expect(line).toBe(
      'Interrupted: 1200 URLs in 6.2 s (194/s): 1200 2xx; run again with --resume to continue',
    )
  })

  it('ends an interrupted run with the hint it was given: the exact command, or why not', () => {
    const hint = 'continue with: asyncwith fetch -i urls.txt -o out.jsonl --resume'
    const line = formatSummary(
      summary({
        total: 3,
        byStatusClass: { '2xx': 3 },
        errors: {},
        interrupted: true,
        resumeHint: hint,
      }),
    )
    expect(line).toBe(`Interrupted: 3 URLs in 6.2 s (0.5/s): 3 2xx; ${hint}`)
  })

  it('says there is nothing to do when a resumed run found every input recorded', () => {
    const line = formatSummary(
      summary({ total: 0, byStatusClass: {}, errors: {}, skipped: 20, wallMs: 20 }),
    )
    expect(line).toBe('nothing to do: all 20 inputs are recorded')
    expect(formatSummary(summary({ total: 0, byStatusClass: {}, errors: {}, skipped: 1 }))).toBe(
      'nothing to do: the 1 input is recorded',
    )
  })

  it('says how many inputs a resumed run skipped', () => {
    const line = formatSummary(
      summary({ total: 100, byStatusClass: { '2xx': 100 }, errors: {}, skipped: 1200 }),
    )
    expect(line).toBe('100 URLs in 6.2 s (16/s) (1200 already recorded, skipped): 100 2xx')
  })
})

describe('createReporter()', () => {
  let clock = 0
  const now = () => clock

  beforeEach(() => {
    clock = 0
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('draws the bar on a terminal at start and redraws it in place as records come in', () => {
    const stream = fakeStream({ isTTY: true, columns: 100 })
    const reporter = createReporter({ stream, quiet: false, now })
    reporter.start({ total: 4 })
    expect(stream.chunks).toEqual(['\r\x1b[2K[------------------------------] 0/4 0%'])
    clock = 500
    reporter.record({ ok: true, status: 200, bytes: 10 })
    reporter.record({ ok: false, errorCode: 'ASYNCWITH_CONNECTION', bytes: 0 })
    vi.advanceTimersByTime(100)
    expect(stream.chunks.at(-1)).toBe(
      '\r\x1b[2K[###############---------------] 2/4 50% · 4.0/s · ETA 1s · 1 failed',
    )
  })

  it('redraws at most once per interval however many records arrive', () => {
    const stream = fakeStream({ isTTY: true })
    const reporter = createReporter({ stream, quiet: false, now })
    reporter.start({ total: 1000 })
    for (let i = 0; i < 1000; i++) reporter.record({ ok: true, status: 200, bytes: 1 })
    vi.advanceTimersByTime(1000)
    // The first frame, then one per 100 ms tick at most.
    expect(stream.chunks.length).toBeLessThanOrEqual(11)
    expect(stream.chunks.length).toBeGreaterThanOrEqual(2)
    reporter.finish(summary({ total: 1000 }))
  })

  it('does not redraw an unchanged bar more than once a second', () => {
    const stream = fakeStream({ isTTY: true })
    const reporter = createReporter({ stream, quiet: false, now })
    reporter.start({ total: 10 })
    for (let tick = 1; tick <= 30; tick++) {
      clock = tick * 100
      vi.advanceTimersByTime(100)
    }
    expect(stream.chunks.length).toBeLessThanOrEqual(4)
    reporter.finish(summary())
  })

  it('counts a status of 400 or more as a failure, as the summary and exit status do', () => {
    const stream = fakeStream({ isTTY: true })
    const reporter = createReporter({ stream, quiet: false, now })
    reporter.start({ total: undefined })
    reporter.record({ ok: true, status: 200, bytes: 9 })
    reporter.record({ ok: true, status: 304, bytes: 0 })
    reporter.record({ ok: false, status: 404, bytes: 9 })
    reporter.record({ ok: false, status: 500, bytes: 9 })
    reporter.record({ ok: false, errorCode: 'ASYNCWITH_TIMEOUT', bytes: 0 })
    vi.advanceTimersByTime(100)
    expect(stream.chunks.at(-1)).toBe('\r\x1b[2K5 done · 3 failed')
  })

  it.each([
    ['TERM=dumb', { TERM: 'dumb' }],
    ['NO_COLOR', { TERM: 'xterm', NO_COLOR: '1' }],
  ])(
    'with %s on a terminal, writes plain progress lines every few seconds, no redraws',
    (_name, env) => {
      const stream = fakeStream({ isTTY: true, columns: 100 })
      const reporter = createReporter({ stream, quiet: false, now, env, plainInterval: 5000 })
      reporter.start({ total: 4 })
      expect(stream.chunks).toEqual([])
      reporter.record({ ok: true, status: 200, bytes: 1 })
      clock = 4999
      vi.advanceTimersByTime(4999)
      expect(stream.chunks).toEqual([])
      clock = 5000
      vi.advanceTimersByTime(1)
      expect(stream.chunks).toEqual([
        '[#######-----------------------] 1/4 25% · 0.2/s · ETA 15s\n',
      ])
      // Nothing new: no line.
      clock = 10_000
      vi.advanceTimersByTime(5000)
      expect(stream.chunks).toHaveLength(1)
      reporter.record({ ok: false, status: 404, bytes: 1 })
      clock = 15_000
      vi.advanceTimersByTime(5000)
      expect(stream.chunks).toHaveLength(2)
      reporter.finish(summary())
      expect(stream.chunks.at(-1)).toBe(`${formatSummary(summary())}\n`)
      expect(stream.text).not.toContain('\x1b')
      expect(stream.text).not.toContain('\r')
      expect(vi.getTimerCount()).toBe(0)
    },
  )

  it('an empty NO_COLOR asks for nothing: the bar is redrawn as usual', () => {
    const stream = fakeStream({ isTTY: true, columns: 100 })
    const reporter = createReporter({ stream, quiet: false, now, env: { NO_COLOR: '' } })
    reporter.start({ total: 4 })
    expect(stream.chunks).toEqual(['\r\x1b[2K[------------------------------] 0/4 0%'])
    reporter.finish(summary())
  })

  it('erases the bar and writes no summary when the run ends silently', () => {
    const stream = fakeStream({ isTTY: true })
    const reporter = createReporter({ stream, quiet: false, now })
    reporter.start({ total: 10 })
    reporter.finish({ ...summary(), silent: true })
    expect(stream.chunks.at(-1)).toBe('\r\x1b[2K')
    expect(stream.text).not.toContain('URLs')
  })

  it('erases the bar, then writes the summary line, and stops its timer at finish', () => {
    const stream = fakeStream({ isTTY: true })
    const reporter = createReporter({ stream, quiet: false, now })
    reporter.start({ total: 5000 })
    expect(vi.getTimerCount()).toBe(1)
    reporter.finish(summary())
    expect(vi.getTimerCount()).toBe(0)
    expect(stream.chunks.at(-1)).toBe(`\r\x1b[2K${formatSummary(summary())}\n`)
    const before = stream.chunks.length
    reporter.record({ ok: true, status: 200, bytes: 1 })
    vi.advanceTimersByTime(1000)
    reporter.finish(summary())
    expect(stream.chunks.length).toBe(before)
  })

  it('writes only the summary line, with no escape code or carriage return, off a terminal', () => {
    const stream = fakeStream({ isTTY: false })
    const reporter = createReporter({ stream, quiet: false, now })
    reporter.start({ total: 3 })
    expect(vi.getTimerCount()).toBe(0)
    for (let i = 0; i < 3; i++) reporter.record({ ok: true, status: 200, bytes: 1 })
    vi.advanceTimersByTime(5000)
    reporter.finish(summary())
    expect(stream.text).toBe(`${formatSummary(summary())}\n`)
    expect(stream.text).not.toContain('\x1b')
    expect(stream.text).not.toContain('\r')
  })

  it('lets isTTY override what the stream says', () => {
    const stream = fakeStream({ isTTY: true })
    const reporter = createReporter({ stream, quiet: false, isTTY: false, now })
    reporter.start({ total: 3 })
    reporter.finish(summary())
    expect(stream.text).not.toContain('\x1b')
    expect(stream.text).not.toContain('\r')
  })

  it('writes nothing at all when quiet, on a terminal or not', () => {
    for (const isTTY of [true, false]) {
      const stream = fakeStream({ isTTY })
      const reporter = createReporter({ stream, quiet: true, now })
      reporter.start({ total: 3 })
      reporter.record({ ok: true, status: 200, bytes: 1 })
      vi.advanceTimersByTime(1000)
      reporter.finish(summary())
      expect(stream.chunks).toEqual([])
      expect(vi.getTimerCount()).toBe(0)
    }
  })

  it('uses the width of the terminal, read at each frame', () => {
    const stream = fakeStream({ isTTY: true, columns: 30 })
    const reporter = createReporter({ stream, quiet: false, now })
    reporter.start({ total: 5000 })
    expect(stream.chunks.at(-1)).toBe('\r\x1b[2K[-----------------] 0/5000 0%')
    reporter.finish(summary())
  })

  it('writes the summary without erasing anything when a terminal run never drew', () => {
    const stream = fakeStream({ isTTY: true })
    const reporter = createReporter({ stream, quiet: false, now })
    reporter.finish(summary())
    expect(stream.text).toBe(`${formatSummary(summary())}\n`)
  })
})
