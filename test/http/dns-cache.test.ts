import type { LookupAddress } from 'node:dns'
import { describe, expect, it } from 'vitest'
import { cachingLookup, type Lookup } from '../../src/http/_dns.js'

// A resolver that answers from a table, counts its calls, and can hold answers back.
function fakeResolver(table: Record<string, LookupAddress[]>) {
  const calls: string[] = []
  const held: Array<() => void> = []
  let hold = false
  const lookup = ((hostname: string, _options: unknown, callback: unknown) => {
    calls.push(hostname)
    const reply = () => {
      const addresses = table[hostname]
      const done = callback as (e: NodeJS.ErrnoException | null, a: LookupAddress[]) => void
      if (addresses === undefined) {
        done(
          Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
          [],
        )
      } else done(null, addresses)
    }
    if (hold) held.push(reply)
    else queueMicrotask(reply)
  }) as Lookup
  return {
    lookup,
    calls,
    hold() {
      hold = true
    },
    release() {
      hold = false
      for (const reply of held.splice(0)) reply()
    },
  }
}

type Answer = { error: NodeJS.ErrnoException | null; address: unknown; family?: number }

function ask(lookup: Lookup, host: string, options: object): Promise<Answer> {
  return new Promise((resolve) => {
    ;(lookup as unknown as (h: string, o: object, cb: (...a: unknown[]) => void) => void)(
      host,
      options,
      (error, address, family) =>
        resolve({
          error: error as NodeJS.ErrnoException | null,
          address,
          family: family as number,
        }),
    )
  })
}

const dual: LookupAddress[] = [
  { address: '::1', family: 6 },
  { address: '127.0.0.1', family: 4 },
]

describe('cachingLookup()', () => {
  it('asks the resolver once per name while the answer is fresh', async () => {
    const resolver = fakeResolver({ 'a.test': dual })
    const lookup = cachingLookup(1000, resolver.lookup)
    for (let i = 0; i < 5; i++) await ask(lookup, 'a.test', { all: true })
    await ask(lookup, 'A.TEST', {})
    expect(resolver.calls).toEqual(['a.test'])
    expect(lookup.statistics()).toEqual({ lookups: 1, hits: 5 })
  })

  it('shares one resolver call among concurrent lookups of a name', async () => {
    const resolver = fakeResolver({ 'a.test': dual })
    resolver.hold()
    const lookup = cachingLookup(1000, resolver.lookup)
    const answers = Array.from({ length: 64 }, () => ask(lookup, 'a.test', { all: true }))
    resolver.release()
    const results = await Promise.all(answers)
    expect(resolver.calls).toHaveLength(1)
    for (const result of results) expect(result.address).toEqual(dual)
  })

  it('asks again once the ttl has passed', async () => {
    let now = 0
    const resolver = fakeResolver({ 'a.test': dual })
    const lookup = cachingLookup(1000, resolver.lookup, () => now)
    await ask(lookup, 'a.test', {})
    now = 999
    await ask(lookup, 'a.test', {})
    expect(resolver.calls).toHaveLength(1)
    now = 1000
    await ask(lookup, 'a.test', {})
    expect(resolver.calls).toHaveLength(2)
  })

  it('answers in the form asked: one address, all of them, or one family', async () => {
    const lookup = cachingLookup(1000, fakeResolver({ 'a.test': dual }).lookup)
    expect(await ask(lookup, 'a.test', {})).toEqual({ error: null, address: '::1', family: 6 })
    expect(await ask(lookup, 'a.test', { family: 4 })).toEqual({
      error: null,
      address: '127.0.0.1',
      family: 4,
    })
    expect((await ask(lookup, 'a.test', { all: true, family: 6 })).address).toEqual([dual[0]])
  })

  it('reports a name that does not resolve, and does not cache the failure', async () => {
    const resolver = fakeResolver({})
    const lookup = cachingLookup(1000, resolver.lookup)
    const first = await ask(lookup, 'nowhere.test', {})
    const second = await ask(lookup, 'nowhere.test', { all: true })
    expect([first.error?.code, second.error?.code]).toEqual(['ENOTFOUND', 'ENOTFOUND'])
    expect(resolver.calls).toHaveLength(2)
  })

  it('reports ENOTFOUND when no address of the asked family exists', async () => {
    const lookup = cachingLookup(1000, fakeResolver({ 'v4.test': [dual[1]!] }).lookup)
    expect((await ask(lookup, 'v4.test', { family: 6 })).error?.code).toBe('ENOTFOUND')
  })

  it('accepts a resolver that answers with a single address', async () => {
    const single = ((_host: string, _options: unknown, callback: unknown) =>
      queueMicrotask(() =>
        (callback as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4),
      )) as Lookup
    const lookup = cachingLookup(1000, single)
    expect((await ask(lookup, 'one.test', { all: true })).address).toEqual([
      { address: '127.0.0.1', family: 4 },
    ])
  })
})
