import * as context from 'asyncwith/context'
import { describe, expect, it } from 'vitest'

describe('asyncwith/context', () => {
  it('exports exactly the reviewed runtime names', () => {
    // Update this list on purpose when the public surface changes (Trio's test_exports).
    expect(Object.keys(context).sort()).toEqual([
      'AsyncExitStack',
      'AsyncWithError',
      'SuppressedError',
      'TimeoutError',
      'aclosing',
      'closing',
      'contextManager',
      'enter',
      'isAsyncWithError',
      'isSuppressedError',
      'isTimeoutError',
      'nullContext',
      'suppress',
      'withContext',
    ])
  })

  it('exports only functions and classes', () => {
    for (const [name, value] of Object.entries(context)) {
      expect(typeof value, name).toBe('function')
    }
  })
})
