import { expect, it } from 'vitest'

it('lowers await using', async () => {
  const log: string[] = []
  const f = async () => {
    await using _x = { async [Symbol.asyncDispose]() { log.push('disposed') } }
    log.push('body')
  }
  await f()
  console.log(f.toString())
  expect(log).toEqual(['body', 'disposed'])
})
