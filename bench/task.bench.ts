// TaskGroup against Promise.all over the same 100,000 trivial async functions, and Semaphore
// against p-limit. Targets (issue 4): TaskGroup within 2x of Promise.all; Semaphore faster
// than p-limit.
import { withContext } from 'asyncwith/context'
import { Semaphore, TaskGroup } from 'asyncwith/task'
import { bench, do_not_optimize, group, run, summary } from 'mitata'
import pLimit from 'p-limit'

const COUNT = 100_000
const trivial = async (_signal?: AbortSignal): Promise<number> => 1
const fns = Array.from({ length: COUNT }, () => trivial)
// A task that takes no signal cannot be cancelled alone, so it gets no AbortSignal of its own:
// on Node.js 20 creating one costs about 4 µs, 50x a trivial task.
const noSignal = async (): Promise<number> => 1
const noSignalFns = Array.from({ length: COUNT }, () => noSignal)

summary(() => {
  group(`task: spawn and join ${COUNT.toLocaleString('en')} trivial tasks`, () => {
    bench('Promise.all(fns.map(call))', async () => {
      const results = await Promise.all(fns.map((fn) => fn()))
      do_not_optimize(results)
    }).baseline(true)

    bench('TaskGroup: spawn all, leave', async () => {
      await withContext(new TaskGroup(), (group) => {
        for (const fn of fns) group.spawn(fn)
      })
    })

    bench('TaskGroup: spawn all (functions take no signal), leave', async () => {
      await withContext(new TaskGroup(), (group) => {
        for (const fn of noSignalFns) group.spawn(fn)
      })
    })

    bench('TaskGroup: spawn all, collect results', async () => {
      const results = await withContext(new TaskGroup(), (group) =>
        Promise.all(fns.map((fn) => group.spawn(fn).promise)),
      )
      do_not_optimize(results)
    })
  })
})

summary(() => {
  group(`task: ${COUNT.toLocaleString('en')} calls through a limit of 8`, () => {
    bench('p-limit: limit(fn)', async () => {
      const limit = pLimit(8)
      do_not_optimize(await Promise.all(fns.map((fn) => limit(fn))))
    }).baseline(true)

    bench('Semaphore: run(fn)', async () => {
      const semaphore = new Semaphore(8)
      do_not_optimize(await Promise.all(fns.map((fn) => semaphore.run(fn))))
    })

    bench('Semaphore: acquire(), release()', async () => {
      const semaphore = new Semaphore(8)
      const results = await Promise.all(
        fns.map(async (fn) => {
          const permit = await semaphore.acquire()
          try {
            return await fn()
          } finally {
            permit.release()
          }
        }),
      )
      do_not_optimize(results)
    })
  })
})

await run()
