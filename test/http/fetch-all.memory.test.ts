import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { HttpClient } from 'asyncwith/http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RecordedRequest, startTestServer, type TestServer } from '../_helpers/http-server.js'

// fetchAll over a long input read lazily keeps memory flat: the input is never held whole,
// and at most `concurrency` outcomes are running or waiting to be taken. The suite runs
// 20,000 URLs; `scripts/fetch-all-memory.ts` runs 1,000,000 and prints peak RSS.

const COUNT = 20_000
const MiB = 1024 * 1024

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
})

afterAll(async () => {
  await server.close()
})

/** `global.gc`, or the same function obtained by turning on `--expose-gc` now. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc
  if (exposed !== undefined) return exposed
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

describe('HttpClient.fetchAll() memory', () => {
  it(`keeps the heap flat over ${COUNT.toLocaleString('en')} URLs from an async generator`, async () => {
    const gc = collector()
    await using client = new HttpClient({ retry: 0 })
    // The server logs every request in this same heap: forget the log as the run goes.
    const log = server.requests as RecordedRequest[]
    const url = server.url('/bytes/100')
    let pulled = 0
    async function* urls(): AsyncGenerator<string> {
      for (let i = 0; i < COUNT; i++) {
        if (i % 1000 === 0) log.length = 0
        pulled++
        yield url
      }
    }
    gc()
    const before = process.memoryUsage()
    let ok = 0
    for await (const outcome of client.fetchAll(urls(), { read: 'none', concurrency: 64 })) {
      if (outcome.ok && outcome.size === 100) ok++
    }
    gc()
    const after = process.memoryUsage()
    expect(pulled).toBe(COUNT)
    expect(ok).toBe(COUNT)
    // Measured: about 4 MiB (code, pools, caches). Keeping every outcome would add about
    // 15 MiB, so the bound catches a leak of one small object per URL.
    expect((after.heapUsed - before.heapUsed) / MiB).toBeLessThan(10)
    expect(client.statistics()).toMatchObject({ active: 0, openResponses: 0 })
  })
})
