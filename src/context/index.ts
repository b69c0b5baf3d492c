// Public entry of `asyncwith/context`. Explicit names only, so the public surface shows in diffs.
export { aclosing } from './aclosing.js'
export type {
  AsyncContextManager,
  CanSuppress,
  EnterValue,
  Failure,
} from './async-context-manager.js'
export { AsyncExitStack, type ExitCallback } from './async-exit-stack.js'
export { type Closable, closing } from './closing.js'
export {
  type ContextGeneratorFunction,
  contextManager,
  type GeneratorContextManager,
} from './context-manager.js'
export { type EnteredContext, enter } from './enter.js'
export { AsyncWithError, isAsyncWithError, isTimeoutError, TimeoutError } from './errors.js'
export { nullContext } from './null-context.js'
export { type ErrorMatcher, suppress } from './suppress.js'
export { isSuppressedError, SuppressedError } from './suppressed-error.js'
export { withContext } from './with-context.js'
