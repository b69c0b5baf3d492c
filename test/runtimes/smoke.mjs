// Runs the built core layers (dist/) under whatever runtime executes this file: Node.js,
// Deno or Bun. The core layers promise to need nothing but the language and Web APIs.
// Usage: <runtime> test/runtimes/smoke.mjs   (after `npm run build`)
import {
  AsyncExitStack,
  asCompleted,
  contextManager,
  deadline,
  filter,
  fromEvent,
  fromReadableStream,
  isSuppressedError,
  map,
  mapConcurrent,
  pipe,
  Queue,
  RateLimiter,
  Semaphore,
  sleep,
  suppress,
  TaskGroup,
  take,
  toArray,
  toReadableStream,
  withContext,
} from '../../dist/index.js'

const checks = []
const check = (name, fn) => checks.push([name, fn])
const equal = (actual, expected) => {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`Expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

check('withContext runs enter, body and exit in order', async () => {
  const log = []
  const tag = contextManager(async function* (name) {
    log.push(`enter ${name}`)
    try {
      yield name
    } finally {
      log.push(`exit ${name}`)
    }
  })
  equal(await withContext(tag('a'), (value) => `${value}!`), 'a!')
  equal(log, ['enter a', 'exit a'])
})

check('suppress swallows a matching error', async () => {
  equal(
    await withContext(suppress(RangeError), () => {
      throw new RangeError('ignored')
    }),
    undefined,
  )
})

check('AsyncExitStack unwinds last in, first out and keeps both errors', async () => {
  const log = []
  const stack = new AsyncExitStack()
  stack.defer(() => {
    log.push(1)
    throw new Error('first')
  })
  stack.defer(() => {
    log.push(2)
    throw new Error('second')
  })
  try {
    await stack.disposeAsync()
    throw new Error('Expected disposeAsync to reject')
  } catch (error) {
    if (!isSuppressedError(error)) throw error
    equal([error.error.message, error.suppressed.message], ['first', 'second'])
  }
  equal(log, [2, 1])
})

check('a fused pipe computes like arrays do', async () => {
  const out = await pipe(
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
    map((n) => n * 2),
    filter((n) => n % 3 === 0),
    take(2),
    toArray,
  )
  equal(out, [6, 12])
})

check('mapConcurrent keeps input order', async () => {
  const out = await pipe(
    [30, 10, 20],
    mapConcurrent(async (ms) => {
      await new Promise((resolve) => setTimeout(resolve, ms))
      return ms
    }),
    toArray,
  )
  equal(out, [30, 10, 20])
})

check('fromEvent reads events from an EventTarget and removes its listener', async () => {
  const target = new EventTarget()
  const events = fromEvent(target, 'ping')
  target.dispatchEvent(new Event('ping'))
  target.dispatchEvent(new Event('ping'))
  const got = await pipe(events, take(2), toArray)
  equal(got.length, 2)
})

check('Web streams round-trip', async () => {
  equal(await toArray(fromReadableStream(toReadableStream([1, 2, 3]))), [1, 2, 3])
})

let failed = 0
check('TaskGroup aborts the other tasks on a failure and reports it once', async () => {
  let aborted = false
  try {
    await withContext(new TaskGroup(), (group) => {
      group.spawn(async (signal) => {
        try {
          await sleep(5_000, { signal })
        } finally {
          aborted = signal.aborted
        }
      })
      group.spawn(async () => {
        throw new Error('boom')
      })
    })
    throw new Error('TaskGroup did not throw')
  } catch (error) {
    equal(
      [error.code, error.errors.map((e) => e.message), aborted],
      ['ASYNCWITH_TASK_GROUP', ['boom'], true],
    )
  }
})

check('deadline turns its own abort into a TimeoutError', async () => {
  try {
    await withContext(deadline(Date.now() + 5), ({ signal }) => sleep(5_000, { signal }))
    throw new Error('deadline did not fire')
  } catch (error) {
    equal(error.code, 'ASYNCWITH_TIMEOUT')
  }
})

check('Semaphore, RateLimiter, Queue and asCompleted work together', async () => {
  const semaphore = new Semaphore(2)
  const limiter = new RateLimiter({ rate: 1000, burst: 10 })
  const queue = new Queue(1)
  let peak = 0
  const producer = (async () => {
    for (let i = 0; i < 6; i++) await queue.put(i)
    queue.close()
  })()
  const work = []
  for await (const item of queue) {
    await limiter.take()
    work.push(
      semaphore.run(async () => {
        peak = Math.max(peak, 2 - semaphore.available)
        await sleep(1)
        return item
      }),
    )
  }
  await producer
  const done = []
  for await (const value of asCompleted(work)) done.push(value)
  equal([done.sort(), peak <= 2], [[0, 1, 2, 3, 4, 5], true])
})

for (const [name, fn] of checks) {
  try {
    await fn()
  } catch (error) {
    failed++
    console.error(`not ok - ${name}: ${error?.stack ?? error}`)
  }
}
const runtime = typeof Deno !== 'undefined' ? 'deno' : typeof Bun !== 'undefined' ? 'bun' : 'node'
console.log(`${runtime}: ${checks.length - failed} passed, ${failed} failed`)
if (failed > 0) throw new Error(`${failed} portability checks failed`)
