// The core layers in a project without @types/node (a browser or Deno-style setup).
import { pipe, take, toArray } from 'asyncwith'
import { contextManager, enter, withContext } from 'asyncwith/context'
import { map, range } from 'asyncwith/iter'
import { Queue, TaskGroup } from 'asyncwith/task'

const closed: string[] = []
const resource = contextManager(async function* (name: string) {
  try {
    yield name
  } finally {
    closed.push(name)
  }
})
const upper: string = await withContext(resource('a'), (name) => name.toUpperCase())
{
  await using handle = await enter(resource('b'))
  void handle.value
}
const firstSquares = await pipe(
  range(10),
  map((n) => n * n),
  take(3),
  toArray,
)
const queue = new Queue<number>(1)
const received: number[] = []
await withContext(new TaskGroup(), (group) => {
  group.spawn(async () => {
    for (const n of [1, 2, 3]) await queue.put(n)
    queue.close()
  })
  group.spawn(async () => {
    for await (const n of queue) received.push(n)
  })
})
console.log(JSON.stringify({ upper, closed, firstSquares, received }))
