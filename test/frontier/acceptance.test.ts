// Design §11: exactly one record per line through kills of workers, the coordinator and Redis,
// and through a worker stopped for twice the lease; politeness held across workers; Redis left
// clean. `npm test` runs a small version; `npm run test:scaleout` runs the full 20,000-line one.
// The negative controls show the harness fails when a guarantee is broken on purpose.
import { describe, expect, it } from 'vitest'
import { type AcceptanceConfig, runAcceptance } from './_acceptance.js'

const full = process.env.ASYNCWITH_SCALEOUT === 'full'

const base: AcceptanceConfig = full
  ? {
      lines: 20_000,
      hosts: 20,
      workers: 3,
      blankEvery: 2500,
      badEvery: 1000,
      perHost: 4,
      rate: 100,
      concurrency: 32,
      maxOwned: 64,
      schedule: [
        { at: 1500, kill: 'w1' },
        { at: 3000, kill: 'collector' },
        { at: 4500, redisDown: 1000 },
        { at: 6500, kill: 'w2' },
        { at: 8000, kill: 'w3' },
      ],
      deadline: 120_000,
    }
  : {
      lines: 2000,
      hosts: 5,
      workers: 3,
      blankEvery: 250,
      badEvery: 100,
      perHost: 4,
      // Below what 5 hosts would otherwise serve here, so the rate limit binds.
      rate: 50,
      concurrency: 16,
      maxOwned: 32,
      schedule: [
        { at: 1500, kill: 'w1' },
        { at: 2500, kill: 'collector' },
        { at: 3500, redisDown: 700 },
        { at: 5000, kill: 'w2' },
      ],
      deadline: 60_000,
    }

const stall: AcceptanceConfig = {
  ...base,
  schedule: base.schedule.map((step) =>
    'kill' in step && step.kill === 'w2' ? { at: step.at, stop: 'w2', ms: 4000 } : step,
  ),
}

// Slow pages and a timeout longer than the stall: the worker is stopped with requests in
// flight, and wakes with ok outcomes for lines already taken over (only the bitmap stops them).
const slowStall: AcceptanceConfig = { ...stall, timeout: '10s', latency: [150, 300] }

// Pages slower than the lease (2 s): a healthy worker keeps its lines only by renewing them.
// Few lines over many hosts, so 4 in flight per host still finishes in seconds. One worker
// kill (a tight refetch bound: one max-owned) and the coordinator's; no Redis outage, which
// stops renewals too and so would blur what this pair shows.
const slowPages: AcceptanceConfig = {
  ...base,
  schedule: [
    { at: 1500, kill: 'w1' },
    { at: 2500, kill: 'collector' },
  ],
  lines: 300,
  hosts: 20,
  concurrency: 32,
  maxOwned: 32,
  timeout: '10s',
  latency: [2200, 2600],
}

// Long enough that a control fails for the fault, never for lack of time.
const controlDeadline = full ? base.deadline : 45_000
const timeout = base.deadline + 60_000

describe(`scale-out acceptance (${full ? 'full' : 'small'})`, () => {
  it(`${base.lines} lines, ${base.workers} workers, kills of workers, coordinator and Redis`, {
    timeout,
  }, async () => {
    const report = await runAcceptance(base)
    console.log('acceptance', JSON.stringify(report))
    expect(report.failures).toEqual([])
  })

  it.runIf(full)('the same with 4 workers', { timeout }, async () => {
    const report = await runAcceptance({ ...base, workers: 4 })
    console.log('acceptance w4', JSON.stringify(report))
    expect(report.failures).toEqual([])
  })

  it('a worker stopped (SIGSTOP) for twice the lease', { timeout }, async () => {
    const report = await runAcceptance(stall)
    console.log('acceptance stall', JSON.stringify(report))
    expect(report.failures).toEqual([])
  })

  it('a worker stopped for twice the lease with slow requests in flight', { timeout }, async () => {
    const report = await runAcceptance(slowStall)
    console.log('acceptance slow stall', JSON.stringify(report))
    expect(report.failures).toEqual([])
  })

  it('fails against workers that ack on read (NOACK)', { timeout }, async () => {
    const report = await runAcceptance({ ...base, fault: 'ack-on-read', deadline: controlDeadline })
    console.log('control ack-on-read', JSON.stringify(report))
    // Lines leased by the killed workers are gone: the job never completes.
    expect(report.failures).toContain(`not finished within ${controlDeadline / 1000} s`)
    expect(report.missing).toBeGreaterThan(0)
  })

  it('fails against a commit without the dedupe bitmap, under the stall', { timeout }, async () => {
    const report = await runAcceptance({
      ...slowStall,
      fault: 'no-dedupe',
      deadline: controlDeadline,
    })
    console.log('control no-dedupe', JSON.stringify(report))
    // The woken zombie's late records are written twice (or `done` overcounts and ends early).
    expect(report.failures.some((f) => /[1-9]\d* duplicated|meta\.done/.test(f))).toBe(true)
  })

  it('pages slower than the lease', { timeout }, async () => {
    const report = await runAcceptance(slowPages)
    console.log('acceptance slow pages', JSON.stringify(report))
    expect(report.failures).toEqual([])
  })

  it('fails without lease renewal, with pages slower than the lease', { timeout }, async () => {
    const report = await runAcceptance({
      ...slowPages,
      fault: 'no-renew',
      deadline: controlDeadline,
    })
    console.log('control no-renew', JSON.stringify(report))
    // Healthy workers' lines are taken over while still being fetched: refetched past the bound.
    expect(report.failures).toContain(`refetches ${report.refetches} > ${report.refetchBound}`)
    expect(report.refetches).toBeGreaterThan(report.refetchBound)
  })
})
