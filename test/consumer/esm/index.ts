// A new ESM project using every entry point of the installed tarball, as a user would: it must
// type-check under strict/nodenext with no `lib` setting, then run under Node.js.
import { createServer } from 'node:http'
import { contextManager, isSuppressedError, SuppressedError, withContext } from 'asyncwith'
import { AsyncExitStack, enter } from 'asyncwith/context'
import { HttpClient } from 'asyncwith/http'
import { map, pipe, toArray } from 'asyncwith/iter'
import { Semaphore, sleep, TaskGroup, timeout } from 'asyncwith/task'

const log: string[] = []
const resource = contextManager(async function* (name: string) {
  log.push(`open ${name}`)
  try {
    yield { name, rows: [1, 2, 3] }
  } finally {
    log.push(`close ${name}`)
  }
})

// A generator manager is typed as not suppressing: no `| undefined` to handle.
const rows: number[] = await withContext(resource('db'), (db) => db.rows)

{
  await using handle = await enter(resource('file'))
  log.push(`use ${handle.value.name}`)
}

const stack = new AsyncExitStack()
stack.defer(() => {
  log.push('deferred')
})
const disposable: AsyncDisposable = stack
await disposable[Symbol.asyncDispose]()

const squares = await pipe(
  rows,
  map((n) => n * n),
  toArray,
)

const semaphore = new Semaphore(2)
const doubled = await withContext(new TaskGroup(), (group) =>
  rows.map((n) => group.spawn(() => semaphore.run(async () => n * 2))),
)
const results = await Promise.all(doubled)
await withContext(timeout(5_000), ({ signal }) => sleep(1, { signal }))

const error: SuppressedError = new SuppressedError(new Error('close'), new Error('body'))

const server = createServer((_request, response) => response.end('hello'))
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const address = server.address()
if (address === null || typeof address === 'string') throw new Error('no port')
let text: string
{
  await using client = new HttpClient()
  text = await withContext(client.get(`http://127.0.0.1:${address.port}/`), (response) =>
    response.text(),
  )
}
server.close()

console.log(
  JSON.stringify({ log, rows, squares, results, suppressed: isSuppressedError(error), text }),
)
