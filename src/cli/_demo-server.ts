/**
 * The local server behind `asyncwith demo`: a few hundred generated HTML pages on 127.0.0.1,
 * some slow, some failing, some redirecting, so one run shows everything the fetcher does
 * without touching the network.
 *
 * Which page does what is fixed by its number (a seeded generator), so every demo run sees
 * the same mix. No route reads the request body or the file system.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** What one page does. */
export type DemoPageKind = 'ok' | 'slow' | 'error' | 'reset' | 'redirect'

export interface DemoPage {
  readonly n: number
  readonly kind: DemoPageKind
  /** Body size in bytes (ok and slow pages). */
  readonly size: number
  /** Delay before answering, in ms (slow pages). */
  readonly delay: number
  /** Where a redirect goes: another page number. */
  readonly target: number
}

export interface DemoServerOptions {
  /**
   * Pages served at `/page/0` … `/page/{pages - 1}`.
   * @defaultValue 300
   */
  readonly pages?: number
  /**
   * Multiplies every slow page's delay (0 makes them fast); tests use it.
   * @defaultValue 1
   */
  readonly slowFactor?: number
}

export interface DemoServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  readonly pages: readonly DemoPage[]
  /**
   * Every URL the demo fetches: each page once, plus two that are 404.
   */
  urls(): string[]
  /** Requests answered or reset so far. */
  readonly requests: number
  close(): Promise<void>
}

/** mulberry32: a tiny seeded generator, so the page mix is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Decides every page: about 10 % slow (100–800 ms), 3 % answering 500, 2 % resetting the
 * connection, 5 % redirecting (302) to an ordinary page, the rest answering 200 at once with
 * 1–8 KiB of HTML.
 * @param count - How many pages.
 */
export function planPages(count: number): DemoPage[] {
  const next = random(0x5eed)
  const pages: DemoPage[] = []
  for (let n = 0; n < count; n++) {
    const roll = next()
    const size = 1024 + Math.floor(next() * 7 * 1024)
    const delay = 100 + Math.floor(next() * 700)
    const kind: DemoPageKind =
      roll < 0.1
        ? 'slow'
        : roll < 0.13
          ? 'error'
          : roll < 0.15
            ? 'reset'
            : roll < 0.2
              ? 'redirect'
              : 'ok'
    pages.push({ n, kind, size, delay, target: 0 })
  }
  // Redirects lead to a page that answers, never to another redirect or a failure.
  const plain = pages.filter((page) => page.kind === 'ok')
  return pages.map((page) =>
    page.kind === 'redirect' && plain.length > 0
      ? { ...page, target: plain[Math.floor(next() * plain.length)]!.n }
      : page,
  )
}

const WORDS =
  'async with for context manager iterator generator pipeline concurrency signal abort timeout retry redirect socket stream body header record resume'.split(
    ' ',
  )

function html(page: DemoPage, count: number): string {
  const next = random(page.n + 1)
  const head = `<!doctype html>\n<html><head><meta charset="utf-8"><title>Page ${page.n}</title></head>\n<body>\n<h1>Page ${page.n}</h1>\n`
  const tail = '</body></html>\n'
  let body = ''
  while (head.length + body.length + tail.length < page.size) {
    const words = Array.from({ length: 12 }, () => WORDS[Math.floor(next() * WORDS.length)])
    const link = Math.floor(next() * count)
    body += `<p>${words.join(' ')} <a href="/page/${link}">page ${link}</a></p>\n`
  }
  const text = head + body + tail
  // Exactly `size` bytes (the text is ASCII): cut inside the last paragraph if needed.
  return text.length > page.size ? text.slice(0, page.size - tail.length) + tail : text
}

/**
 * Starts the demo server on a free port of 127.0.0.1. `close()` (or `await using`) destroys
 * every socket, slow responses included, so nothing keeps the process alive.
 * @param options - The number of pages and a factor for the slow pages' delays.
 * @returns The running server.
 */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const count = options.pages ?? 300
  const slowFactor = options.slowFactor ?? 1
  const pages = planPages(count)
  const bodies = new Map<number, Buffer>()
  const sockets = new Set<Socket>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let requests = 0

  const send = (res: ServerResponse, page: DemoPage): void => {
    let body = bodies.get(page.n)
    if (body === undefined) {
      body = Buffer.from(html(page, count))
      bodies.set(page.n, body)
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': body.byteLength,
    })
    res.end(body)
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    requests++
    const match = /^\/page\/(\d+)$/.exec(req.url ?? '')
    const page = match === null ? undefined : pages[Number(match[1])]
    if (page === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n')
      return
    }
    switch (page.kind) {
      case 'ok':
        send(res, page)
        return
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer)
          send(res, page)
        }, page.delay * slowFactor)
        timers.add(timer)
        return
      }
      case 'error':
        res
          .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          .end('internal error (on purpose)\n')
        return
      case 'reset':
        req.socket.resetAndDestroy()
        return
      case 'redirect':
        res.writeHead(302, { location: `/page/${page.target}`, 'content-length': 0 }).end()
        return
    }
  }

  const server = createServer(handle)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })
    return closing
  }

  return {
    origin,
    pages,
    urls: () => [
      ...pages.map((page) => `${origin}/page/${page.n}`),
      `${origin}/page/${count}`,
      `${origin}/missing`,
    ],
    get requests() {
      return requests
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}
