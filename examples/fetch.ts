// The third Python example: an async context manager around an HTTP request, used by an
// async generator that fetches several URLs.
//
//   async with AsyncHTTPClient(url) as response:
//       yield await response.text()
//
// There is no network here, so the example serves the three sites from a local server and
// points the URLs at it; the Host header says which site was asked for.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type AsyncContextManager, withContext } from 'asyncwith/context'
import { HttpClient, type HttpResponse } from 'asyncwith/http'

class AsyncHttpClient implements AsyncContextManager<HttpResponse, void> {
  readonly #url: string
  readonly #session = new HttpClient() // aiohttp.ClientSession()
  #response: HttpResponse | undefined

  constructor(url: string) {
    this.#url = url
  }

  async enter(): Promise<HttpResponse> {
    this.#response = await this.#session.get(this.#url)
    return this.#response
  }

  async exit(): Promise<void> {
    // Releases the connection even when the body was not read, as aiohttp's release() does.
    await this.#response?.release()
    await this.#session.close()
  }
}

async function* asyncFetch(urls: readonly string[]): AsyncGenerator<string> {
  for (const url of urls) {
    yield await withContext(new AsyncHttpClient(url), (response) => response.text())
  }
}

const server = createServer((request, response) => {
  const site = new URL(request.url ?? '/', 'http://localhost').searchParams.get('site')
  response.setHeader('content-type', 'text/html; charset=utf-8')
  response.end(`<h1>Example Domain: ${site}</h1>`)
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
const { port } = server.address() as AddressInfo

try {
  const sites = ['example.com', 'example.org', 'example.net']
  const urls = sites.map((site) => `http://127.0.0.1:${port}/?site=${site}`)
  for await (const data of asyncFetch(urls)) {
    console.log(data)
  }
} finally {
  server.close()
}
