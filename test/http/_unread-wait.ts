// Run as a child process by engine-behaviours.test.ts: one connection held by a response
// nobody reads, then a request that waits for that connection, forever (no time limits).
// Node.js must neither exit silently nor stay silent: the client says what blocks.
import { once } from 'node:events'
import { createServer } from 'node:http'
import { HttpClient } from '../../src/http/index.js'

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-length': '1000' })
  res.write('x')
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
const { port } = server.address() as { port: number }
server.unref()
const client = new HttpClient({ connections: 1, timeout: false, retry: false })
const unread = await client.get(`http://127.0.0.1:${port}/`)
process.stdout.write(`first ${unread.status}\n`)
await client.get(`http://127.0.0.1:${port}/`)
process.stdout.write('second\n')
