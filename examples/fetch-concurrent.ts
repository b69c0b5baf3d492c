// The third Python example again, fetching concurrently: a TaskGroup runs one task per URL,
// a Semaphore keeps at most two requests in flight, and the first failure would abort the
// rest. The Python it rewrites:
//
//   async with asyncio.TaskGroup() as tg:
//       sem = asyncio.Semaphore(2)
//       for url in urls:
//           tg.create_task(fetch(sem, url))     # async with sem: async with session.get(url)
//
// As in fetch.ts, a local server stands in for the three sites.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { withContext } from 'asyncwith/context'
import { HttpClient } from 'asyncwith/http'
import { Semaphore, TaskGroup } from 'asyncwith/task'

let inFlight = 0
let peak = 0
const server = createServer((request, response) => {
  inFlight++
  peak = Math.max(peak, inFlight)
  const site = new URL(request.url ?? '/', 'http://localhost').searchParams.get('site')
  setTimeout(() => {
    inFlight--
    response.setHeader('content-type', 'text/html; charset=utf-8')
    response.end(`<h1>Example Domain: ${site}</h1>`)
  }, 20)
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
const { port } = server.address() as AddressInfo

async function fetchText(
  client: HttpClient,
  semaphore: Semaphore,
  url: string,
  signal: AbortSignal,
): Promise<string> {
  using _permit = await semaphore.acquire({ signal }) // released however this function ends
  return await withContext(client.get(url, { signal }), (response) => response.text())
}

try {
  const sites = ['example.com', 'example.org', 'example.net']
  const urls = sites.map((site) => `http://127.0.0.1:${port}/?site=${site}`)
  const semaphore = new Semaphore(2)
  await using client = new HttpClient()
  const pages = await withContext(new TaskGroup(), (group) =>
    urls.map((url) => group.spawn((signal) => fetchText(client, semaphore, url, signal))),
  )
  // Leaving the group waited for every task, so each one has its page by now.
  for (const page of pages) console.log(await page)
  console.log(`at most ${peak} requests were in flight`)
} finally {
  server.close()
}
