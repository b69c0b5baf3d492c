// The explicit-resource-management globals that the published declarations name, so that a
// consumer type-checks with TypeScript's default `lib` (which leaves `esnext.disposable` out)
// and with or without `@types/node`. The build copies this file to dist/_types/ and adds a
// `/// <reference path>` to it in every declaration file that needs it.
//
// Each member is spelled exactly as in TypeScript's lib.esnext.disposable.d.ts (and, for the
// first three, @types/node's compatibility/disposable.d.ts), so the declarations merge with
// both instead of conflicting. Only types are declared: no global value is claimed to exist at
// run time (Node.js 20 has no global `SuppressedError`; asyncwith exports its own).

interface SymbolConstructor {
  readonly dispose: unique symbol
  readonly asyncDispose: unique symbol
}

interface Disposable {
  [Symbol.dispose](): void
}

interface AsyncDisposable {
  [Symbol.asyncDispose](): PromiseLike<void>
}

interface SuppressedError extends Error {
  error: any
  suppressed: any
}

interface SuppressedErrorConstructor {
  new (error: any, suppressed: any, message?: string): SuppressedError
  (error: any, suppressed: any, message?: string): SuppressedError
  readonly prototype: SuppressedError
}
