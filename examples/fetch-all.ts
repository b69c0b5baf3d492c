// fetchAll: the fetching pattern of the Python text at batch scale. One outcome per input,
// in input order here (`ordered: true`), and a bad input is an outcome, not a crash.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HttpClient } from 'asyncwith/http'

const server = createServer((request, response) => {
  if (request.url === '/missing') response.statusCode = 404
  response.setHeader('content-type', 'text/plain; charset=utf-8')
  response.end(`page ${request.url}`)
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
const { port } = server.address() as AddressInfo
const base = `http://127.0.0.1:${port}`

try {
  await using client = new HttpClient({ retry: 0 })
  const inputs = [`${base}/a`, `${base}/b`, 'not a url', `${base}/missing`, 'ftp://example.com/']
  for await (const outcome of client.fetchAll(inputs, { concurrency: 4, ordered: true })) {
    if (outcome.ok) console.log(outcome.index, outcome.status, outcome.value)
    else console.log(outcome.index, outcome.error.code, String(outcome.input))
  }
} finally {
  server.close()
}
