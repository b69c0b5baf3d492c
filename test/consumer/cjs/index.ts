// A CommonJS project: the same imports compile to require() and resolve to dist/cjs.
import { createServer } from 'node:http'
import { contextManager, isSuppressedError, SuppressedError, withContext } from 'asyncwith'
import { AsyncExitStack } from 'asyncwith/context'
import { HttpClient } from 'asyncwith/http'
import { map, pipe, toArray } from 'asyncwith/iter'
import { TaskGroup } from 'asyncwith/task'

async function main(): Promise<void> {
  const log: string[] = []
  const resource = contextManager(async function* (name: string) {
    try {
      yield name.length
    } finally {
      log.push(`close ${name}`)
    }
  })
  const length: number = await withContext(resource('db'), (n) => n)

  const stack = new AsyncExitStack()
  stack.defer(() => {
    log.push('deferred')
  })
  await stack.disposeAsync()

  const squares = await pipe(
    [1, 2, 3],
    map((n) => n * n),
    toArray,
  )
  const tasks = await withContext(new TaskGroup(), (group) =>
    [1, 2].map((n) => group.spawn(async () => n + 1)),
  )
  const results = await Promise.all(tasks)
  const error: SuppressedError = new SuppressedError(1, 2)

  const server = createServer((_request, response) => response.end('hello'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const client = new HttpClient()
  const text = await withContext(client, (c) =>
    withContext(c.get(`http://127.0.0.1:${address.port}/`), (response) => response.text()),
  )
  server.close()

  console.log(
    JSON.stringify({ log, length, squares, results, suppressed: isSuppressedError(error), text }),
  )
}

void main()
