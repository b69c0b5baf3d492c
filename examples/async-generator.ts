// The second Python example: an async generator consumed with `async for`.
//
//   async for value in async_generator():
//       print(value)
import { setTimeout as sleep } from 'node:timers/promises'

// Python sleeps a second per value; a tenth keeps the example snappy.
const SIMULATED_WORK_MS = 100

async function* asyncGenerator(): AsyncGenerator<number> {
  for (let i = 0; i < 5; i++) {
    await sleep(SIMULATED_WORK_MS)
    yield i
  }
}

for await (const value of asyncGenerator()) {
  console.log(value)
}
