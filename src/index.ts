// The root re-exports the three core layers; `asyncwith/http` stays separate because it
// needs Node.js.
export * from './context/index.js'
export * from './iter/index.js'
export * from './task/index.js'
