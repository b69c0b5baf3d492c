// The first Python example: a class-based async context manager.
//
//   async with AsyncContextManager() as acm:
//       print("Inside context")
import { setTimeout as sleep } from 'node:timers/promises'
import { type AsyncContextManager, withContext } from 'asyncwith/context'

// Python sleeps a second to simulate the async work; a tenth keeps the example snappy.
const SIMULATED_WORK_MS = 100

class Resource implements AsyncContextManager<Resource, void> {
  async enter(): Promise<Resource> {
    console.log('Entering context')
    await sleep(SIMULATED_WORK_MS)
    return this
  }

  async exit(): Promise<void> {
    console.log('Exiting context')
    await sleep(SIMULATED_WORK_MS)
  }
}

await withContext(new Resource(), () => {
  console.log('Inside context')
})
