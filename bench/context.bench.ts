// withContext against the code it replaces: a hand-written try/finally doing the same awaits,
// and `await using` over the same manager (through `enter`, and as a bare AsyncDisposable).
import { type AsyncContextManager, enter, withContext } from 'asyncwith/context'
import { bench, do_not_optimize, group, run, summary } from 'mitata'

let entered = 0
let exited = 0

class Resource implements AsyncContextManager<number, void> {
  async enter(): Promise<number> {
    entered++
    return 1
  }
  async exit(): Promise<void> {
    exited++
  }
}

class Disposable implements AsyncDisposable {
  value = 1
  async [Symbol.asyncDispose](): Promise<void> {
    exited++
  }
}

const body = (value: number) => value + 1
const asyncBody = async (value: number) => value + 1

async function handWritten(): Promise<number> {
  const manager = new Resource()
  const value = await manager.enter()
  let result: number
  try {
    result = await body(value)
  } catch (error) {
    await manager.exit()
    throw error
  }
  await manager.exit()
  return result
}

async function handWrittenAsyncBody(): Promise<number> {
  const manager = new Resource()
  const value = await manager.enter()
  let result: number
  try {
    result = await asyncBody(value)
  } catch (error) {
    await manager.exit()
    throw error
  }
  await manager.exit()
  return result
}

async function awaitUsingEnter(): Promise<number> {
  await using handle = await enter(new Resource())
  return await body(handle.value)
}

async function awaitUsingDisposable(): Promise<number> {
  entered++
  await using resource = new Disposable()
  return await body(resource.value)
}

const N = 1000
async function repeat(fn: () => Promise<number>): Promise<number> {
  let sum = 0
  for (let i = 0; i < N; i++) sum += await fn()
  if (sum !== 2 * N) throw new Error(`Wrong result ${sum}`)
  return sum
}

summary(() => {
  group(`context: enter, body, exit (x${N})`, () => {
    bench('hand-written try/finally', () => repeat(handWritten)).baseline(true)
    bench('withContext(manager, body)', () => repeat(() => withContext(new Resource(), body)))
    bench('await using enter(manager)', () => repeat(awaitUsingEnter))
    bench('await using AsyncDisposable', () => repeat(awaitUsingDisposable))
  })
})

summary(() => {
  group(`context: enter, async body, exit (x${N})`, () => {
    bench('hand-written try/finally', () => repeat(handWrittenAsyncBody)).baseline(true)
    bench('withContext(manager, asyncBody)', () =>
      repeat(() => withContext(new Resource(), asyncBody)),
    )
  })
})

await run()
do_not_optimize(entered)
if (entered !== exited) throw new Error(`Entered ${entered} times but exited ${exited}`)
