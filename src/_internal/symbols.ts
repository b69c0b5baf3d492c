// Runtimes without explicit resource management have no `Symbol.asyncDispose`. The registry
// fallback is the one core-js, esbuild and oxc use, so objects made by any of them interoperate.
export const asyncDisposeSymbol: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose)

export const disposeSymbol: typeof Symbol.dispose =
  Symbol.dispose ?? (Symbol.for('Symbol.dispose') as typeof Symbol.dispose)
