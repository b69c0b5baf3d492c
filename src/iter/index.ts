// Public entry of `asyncwith/iter`. Explicit names only, so the public surface shows in diffs.
export type { AnyIterable, Operator } from './_types.js'
// --- sequential operators, pipe, sources and sinks (owner: core) ---
// --- concurrency, timing and interop (owner: concurrent) ---
