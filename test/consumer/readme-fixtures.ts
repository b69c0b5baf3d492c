// The placeholders README.md samples use (`urls`, `db`, `connect`, ...), defined for real so
// that scripts/consumer-check.mjs can type-check and run each sample as written. The URLs
// point at a server on 127.0.0.1 that this module starts; nothing else is contacted.
import { createServer } from 'node:http'
import type { AsyncContextManager } from 'asyncwith/context'

interface Socket {
  query(sql: string): Promise<unknown[]>
  close(): Promise<void>
}

interface Ledger {
  add(amount: number): Promise<void>
  total(): number
}

declare global {
  interface Db {
    query(sql: string): Promise<unknown[]>
    close(): Promise<void>
  }
  var urls: string[]
  var itemsUrl: string
  var connect: (url: string) => Promise<Socket>
  var db: Db
  var openLedger: () => AsyncContextManager<Ledger, void>
  var transaction: () => AsyncContextManager<{ insert(row: unknown): Promise<void> }, void>
  var row: unknown
  var names: string[]
  var openFile: (name: string) => AsyncContextManager<{ name: string; lines: string[] }, void>
  var output: string[]
  var mergeInto: (output: string[], files: { lines: string[] }[]) => Promise<void>
  var lock: AsyncContextManager<unknown, void> | undefined
  var work: (value: unknown) => Promise<void>
  var lines: () => AsyncGenerator<string>
  var readHeader: (lines: AsyncIterator<string>) => Promise<string | undefined>
  var text: string
  var readLines: (file: string) => AsyncGenerator<string>
  var file: string
  var readings: () => AsyncGenerator<number>
  var save: (batch: number[]) => Promise<void>
  var button: EventTarget
  var fetchBody: (url: string) => Promise<string>
}

const server = createServer((request, response) => {
  // `Connection: close`, so no idle keep-alive socket holds a sample's process open.
  response.writeHead(200, { 'content-type': 'text/plain', connection: 'close' })
  response.end(`page ${request.url}\n`)
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
server.unref()
const address = server.address()
if (address === null || typeof address === 'string') throw new Error('No server address')
const base = `http://127.0.0.1:${address.port}`

const makeDb = (): Db => ({
  query: async (sql) => [sql],
  close: async () => {},
})

async function* linesOf(text: string): AsyncGenerator<string> {
  for (const line of text.split('\n')) yield line
}

globalThis.urls = ['/one', '/two', '/three'].map((path) => `${base}${path}`)
globalThis.itemsUrl = `${base}/items`
globalThis.connect = async () => makeDb()
globalThis.db = makeDb()
globalThis.openLedger = () => {
  let total = 0
  const ledger: Ledger = {
    add: async (amount) => {
      total += amount
    },
    total: () => total,
  }
  return { enter: async () => ledger, exit: async () => {} }
}
globalThis.transaction = () => ({
  enter: async () => ({ insert: async () => {} }),
  exit: async () => {},
})
globalThis.row = { id: 1 }
globalThis.names = ['a.txt', 'b.txt']
globalThis.openFile = (name) => ({
  enter: async () => ({ name, lines: [`${name}: 1`] }),
  exit: async () => {},
})
globalThis.output = []
globalThis.mergeInto = async (output, files) => {
  for (const file of files) output.push(...file.lines)
}
globalThis.lock = undefined
globalThis.work = async () => {}
globalThis.lines = () => linesOf('header\nrow 1\nrow 2')
globalThis.readHeader = async (lines) => {
  const first = await lines.next()
  return first.done ? undefined : first.value
}
globalThis.text = '{ not json'
globalThis.readLines = () => linesOf('  first line  \nsecond line')
globalThis.file = 'notes.txt'
globalThis.readings = async function* () {
  for (let i = 0; i < 250; i++) yield i
}
globalThis.save = async () => {}
globalThis.fetchBody = async (url) => (await fetch(url)).text()

// A button that is clicked a few times once something listens for clicks.
class Button extends EventTarget {
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    super.addEventListener(...args)
    if (args[0] !== 'click') return
    let clicks = 0
    const timer = setInterval(() => {
      this.dispatchEvent(new Event('click'))
      if (++clicks === 5) clearInterval(timer)
    }, 5)
  }
}
globalThis.button = new Button()
