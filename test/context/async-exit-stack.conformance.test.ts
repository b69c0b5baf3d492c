import { AsyncExitStack } from 'asyncwith/context'
import { describe } from 'vitest'
import {
  type AsyncDisposableStackConstructor,
  describeAsyncDisposableStack,
} from '../_helpers/context-disposable-stack.js'

// The same suite runs on the library's stack and, where the runtime has one (Node.js 24),
// on the built-in, so a difference between the two shows up as a failure on one side.
describeAsyncDisposableStack('AsyncExitStack', AsyncExitStack)

const Native = (globalThis as { AsyncDisposableStack?: AsyncDisposableStackConstructor })
  .AsyncDisposableStack

describe.skipIf(Native === undefined)('native', () => {
  if (Native !== undefined) describeAsyncDisposableStack('globalThis.AsyncDisposableStack', Native)
})
