// Runs `client.fetchAll` over COUNT URLs (default 1,000,000) read lazily from an async
// generator, against the test server in a child process (so only the client's memory is
// measured), and prints throughput, peak RSS and the heap along the way.
//
//   node --expose-gc --import tsx scripts/fetch-all-memory.ts [count] [concurrency]
//
// `read: 'none'`, 100-byte bodies, no retries. Memory should stay flat: RSS at 10 % and at
// 100 % of the run close together, and the heap after a collection back near where it began.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { HttpClient } from '../src/http/index.js'
import { type RecordedRequest, startTestServer } from '../test/_helpers/http-server.js'

const MiB = 1024 * 1024

if (process.argv.includes('--serve')) {
  // Child: the test server, with its request log emptied as it goes.
  const server = await startTestServer()
  const log = server.requests as RecordedRequest[]
  setInterval(() => {
    log.length = 0
  }, 200).unref()
  process.stdout.write(`${server.origin}\n`)
  process.on('disconnect', () => void server.close().then(() => process.exit(0)))
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)))
  process.stdin.resume()
} else {
  await main()
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1_000_000)
  const concurrency = Number(process.argv[3] ?? 64)
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    console.warn('Run with --expose-gc for heap numbers after collection')
  }

  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--serve'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const lines = createInterface({ input: child.stdout! })
  const [origin] = (await once(lines, 'line')) as [string]
  const url = `${origin}/bytes/100`

  const mib = (bytes: number) => (bytes / MiB).toFixed(1)
  let pulled = 0
  async function* urls(): AsyncGenerator<string> {
    for (let i = 0; i < count; i++) {
      pulled++
      yield url
    }
  }

  await using client = new HttpClient({ retry: 0 })
  gc()
  const before = process.memoryUsage()
  console.log(
    `fetchAll: ${count.toLocaleString('en')} URLs, concurrency ${concurrency}, read 'none', ` +
      `node ${process.version}`,
  )
  console.log(`start: rss ${mib(before.rss)} MiB, heapUsed ${mib(before.heapUsed)} MiB`)

  let peakRss = before.rss
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss())
  }, 50)
  const started = performance.now()
  const step = Math.max(1, Math.floor(count / 10))
  let done = 0
  let failed = 0
  for await (const outcome of client.fetchAll(urls(), { read: 'none', concurrency })) {
    done++
    if (!outcome.ok) failed++
    if (done % step === 0) {
      const memory = process.memoryUsage()
      const seconds = (performance.now() - started) / 1000
      console.log(
        `${String(Math.round((done / count) * 100)).padStart(3)} %: ${done.toLocaleString('en')} ` +
          `outcomes, ${Math.round(done / seconds)} req/s, rss ${mib(memory.rss)} MiB, ` +
          `heapUsed ${mib(memory.heapUsed)} MiB, pulled ahead ${pulled - done}`,
      )
    }
  }
  const seconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  gc()
  const after = process.memoryUsage()
  const maxRss = process.resourceUsage().maxRSS * 1024
  console.log(
    `done: ${done.toLocaleString('en')} outcomes (${failed} failed) in ${seconds.toFixed(1)} s, ` +
      `${Math.round(done / seconds)} req/s`,
  )
  console.log(
    `peak rss ${mib(Math.max(peakRss, maxRss))} MiB (sampled ${mib(peakRss)}, maxRSS ${mib(maxRss)}); ` +
      `after gc: rss ${mib(after.rss)} MiB, heapUsed ${mib(after.heapUsed)} MiB ` +
      `(${after.heapUsed >= before.heapUsed ? '+' : ''}${mib(after.heapUsed - before.heapUsed)} MiB)`,
  )
  child.stdin!.end()
  await once(child, 'exit')
}
