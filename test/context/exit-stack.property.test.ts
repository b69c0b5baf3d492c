import {
  type AsyncContextManager,
  AsyncExitStack,
  contextManager,
  type Failure,
  SuppressedError,
  withContext,
} from 'asyncwith/context'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { errorTree, type Settled, settle } from '../_helpers/context-log.js'

// Property: however managers of every kind behave, unwinding a stack follows a small model
// (every entered resource exits once, last in first out; exit-style errors replace,
// disposal-style errors wrap in SuppressedError, suppression clears the error), and a stack
// behaves as the same managers nested with withContext.

type Kind = 'generator' | 'manager' | 'asyncDisposable' | 'disposable' | 'defer'
type Behaviour = 'fine' | 'enterFails' | 'suppresses' | 'exitFails'
type BodyOutcome = 'returns' | 'throws' | 'throwsUndefined'

interface Spec {
  readonly kind: Kind
  readonly behaviour: Behaviour
}

interface Scenario {
  readonly specs: readonly Spec[]
  readonly body: BodyOutcome
}

const exitStyle = (kind: Kind) => kind === 'generator' || kind === 'manager'

const specArbitrary: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({
    kind: fc.constantFrom<Kind>('generator', 'manager'),
    behaviour: fc.constantFrom<Behaviour>('fine', 'enterFails', 'suppresses', 'exitFails'),
  }),
  fc.record({
    kind: fc.constantFrom<Kind>('asyncDisposable', 'disposable', 'defer'),
    behaviour: fc.constantFrom<Behaviour>('fine', 'exitFails'),
  }),
)

const scenarioArbitrary: fc.Arbitrary<Scenario> = fc.record({
  specs: fc.array(specArbitrary, { maxLength: 7 }),
  body: fc.constantFrom<BodyOutcome>('returns', 'throws', 'throwsUndefined'),
})

const BODY_VALUE = 'body value'

/** What a run recorded: entries, exits (with the error each exit-style one saw) and outcome. */
interface Trace {
  readonly entered: number[]
  readonly exited: number[]
  readonly saw: Map<number, unknown>
  outcome?: Settled<unknown>
}

/** Errors are unique per resource so the trace can tell who threw what. */
const enterError = (i: number) => new Error(`enter ${i}`)
const exitError = (i: number) => new Error(`exit ${i}`)
const bodyError = () => new Error('body')

type Resource =
  | { readonly kind: 'defer'; readonly callback: () => Promise<void> }
  | {
      readonly kind: 'enterable'
      readonly value: AsyncContextManager<unknown> | AsyncDisposable | Disposable
    }

function makeResource(spec: Spec, i: number, trace: Trace): Resource {
  const { behaviour } = spec
  const recordExit = (failure: Failure | undefined) => {
    trace.exited.push(i)
    if (exitStyle(spec.kind)) trace.saw.set(i, failure === undefined ? 'none' : failure.error)
  }
  switch (spec.kind) {
    case 'generator': {
      const factory = contextManager(async function* () {
        if (behaviour === 'enterFails') throw enterError(i)
        trace.entered.push(i)
        let failure: Failure | undefined
        try {
          yield i
        } catch (error) {
          failure = { error }
        }
        recordExit(failure)
        if (behaviour === 'exitFails') throw exitError(i)
        if (failure !== undefined && behaviour !== 'suppresses') throw failure.error
      })
      return { kind: 'enterable', value: factory() }
    }
    case 'manager':
      return {
        kind: 'enterable',
        value: {
          async enter() {
            if (behaviour === 'enterFails') throw enterError(i)
            trace.entered.push(i)
            return i
          },
          async exit(failure?: Failure) {
            recordExit(failure)
            if (behaviour === 'exitFails') throw exitError(i)
            return behaviour === 'suppresses'
          },
        },
      }
    case 'asyncDisposable':
      trace.entered.push(i)
      return {
        kind: 'enterable',
        value: {
          async [Symbol.asyncDispose]() {
            recordExit(undefined)
            if (behaviour === 'exitFails') throw exitError(i)
          },
        },
      }
    case 'disposable':
      trace.entered.push(i)
      return {
        kind: 'enterable',
        value: {
          [Symbol.dispose]() {
            recordExit(undefined)
            if (behaviour === 'exitFails') throw exitError(i)
          },
        },
      }
    case 'defer':
      return {
        kind: 'defer',
        callback: async () => {
          recordExit(undefined)
          if (behaviour === 'exitFails') throw exitError(i)
        },
      }
  }
}

function runBody(body: BodyOutcome): string {
  if (body === 'throws') throw bodyError()
  if (body === 'throwsUndefined') throw undefined
  return BODY_VALUE
}

/** Enters every resource on one AsyncExitStack, stopping at the first enter failure. */
async function runWithStack(scenario: Scenario): Promise<Trace> {
  const trace: Trace = { entered: [], exited: [], saw: new Map() }
  const stack = new AsyncExitStack()
  trace.outcome = await settle(
    withContext(stack, async (s) => {
      for (const [i, spec] of scenario.specs.entries()) {
        const resource = makeResource(spec, i, trace)
        if (resource.kind === 'defer') {
          trace.entered.push(i)
          s.defer(resource.callback)
        } else await s.enterContext(resource.value as AsyncContextManager<unknown>)
      }
      return runBody(scenario.body)
    }),
  )
  expect(stack.disposed).toBe(true)
  return trace
}

/** The same resources, each in its own withContext, nested. */
async function runNested(scenario: Scenario): Promise<Trace> {
  const trace: Trace = { entered: [], exited: [], saw: new Map() }
  const nest = async (i: number): Promise<unknown> => {
    const spec = scenario.specs[i]
    if (spec === undefined) return runBody(scenario.body)
    const resource = makeResource(spec, i, trace)
    if (resource.kind === 'defer') {
      trace.entered.push(i)
      return withContext({ [Symbol.asyncDispose]: resource.callback }, () => nest(i + 1))
    }
    return withContext(resource.value as AsyncContextManager<unknown>, () => nest(i + 1))
  }
  trace.outcome = await settle(nest(0))
  return trace
}

interface Expected {
  readonly entered: number[]
  readonly exited: number[]
  readonly saw: Map<number, unknown>
  /** The escaping error as an {@link errorTree}, or absent when nothing escapes. */
  readonly error?: { readonly tree: unknown }
  /** Whether any error arose at all (then a nested run resolves undefined, not the value). */
  readonly anyError: boolean
  /** Whether the body itself completed. */
  readonly bodyCompleted: boolean
}

/** The model: what the rules in design.md say must happen. */
function model(scenario: Scenario): Expected {
  const failedAt = scenario.specs.findIndex((s) => s.behaviour === 'enterFails')
  const enteredCount = failedAt === -1 ? scenario.specs.length : failedAt
  const entered = [...Array(enteredCount).keys()]
  let pending: { error: unknown } | undefined
  if (failedAt !== -1) pending = { error: enterError(failedAt) }
  else if (scenario.body === 'throws') pending = { error: bodyError() }
  else if (scenario.body === 'throwsUndefined') pending = { error: undefined }
  let anyError = pending !== undefined
  const saw = new Map<number, unknown>()
  for (const i of [...entered].reverse()) {
    const spec = scenario.specs[i]!
    if (exitStyle(spec.kind)) {
      saw.set(i, pending === undefined ? 'none' : pending.error)
      if (spec.behaviour === 'exitFails') pending = { error: exitError(i) }
      else if (spec.behaviour === 'suppresses') pending = undefined
    } else if (spec.behaviour === 'exitFails') {
      const thrown = exitError(i)
      pending = { error: pending ? new SuppressedError(thrown, pending.error) : thrown }
    }
    if (pending !== undefined) anyError = true
  }
  return {
    entered,
    exited: [...entered].reverse(),
    saw,
    ...(pending !== undefined && { error: { tree: errorTree(pending.error) } }),
    anyError,
    bodyCompleted: failedAt === -1 && scenario.body === 'returns',
  }
}

const treeOfSaw = (saw: Map<number, unknown>) =>
  [...saw.entries()].map(([i, error]) => [i, error === 'none' ? 'none' : errorTree(error)])

function checkAgainstModel(trace: Trace, expected: Expected): void {
  expect(trace.entered).toEqual(expected.entered)
  expect(trace.exited).toEqual(expected.exited)
  expect(treeOfSaw(trace.saw)).toEqual(treeOfSaw(expected.saw))
  const outcome = trace.outcome!
  if (expected.error !== undefined) {
    expect(outcome.status).toBe('rejected')
    if (outcome.status === 'rejected')
      expect(errorTree(outcome.reason)).toEqual(expected.error.tree)
  } else {
    expect(outcome.status).toBe('fulfilled')
  }
}

describe('AsyncExitStack (property)', () => {
  it('exits every entered resource once, last in first out, and lets out the error the model predicts', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const expected = model(scenario)
        const trace = await runWithStack(scenario)
        checkAgainstModel(trace, expected)
        if (trace.outcome?.status === 'fulfilled') {
          // The stack hands back the body's value unless the body's own error was suppressed.
          expect(trace.outcome.value).toBe(expected.bodyCompleted ? BODY_VALUE : undefined)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('never exits a resource whose enter failed', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const failedAt = scenario.specs.findIndex((s) => s.behaviour === 'enterFails')
        fc.pre(failedAt !== -1)
        const trace = await runWithStack(scenario)
        expect(trace.exited).not.toContain(failedAt)
        expect(Math.max(-1, ...trace.exited)).toBeLessThan(failedAt)
      }),
      { numRuns: 100 },
    )
  })

  it('behaves as the same managers nested in withContext calls', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const expected = model(scenario)
        const stacked = await runWithStack(scenario)
        const nested = await runNested(scenario)
        checkAgainstModel(nested, expected)
        expect(nested.entered).toEqual(stacked.entered)
        expect(nested.exited).toEqual(stacked.exited)
        expect(treeOfSaw(nested.saw)).toEqual(treeOfSaw(stacked.saw))
        expect(nested.outcome!.status).toBe(stacked.outcome!.status)
        if (nested.outcome!.status === 'rejected' && stacked.outcome!.status === 'rejected') {
          expect(errorTree(nested.outcome!.reason)).toEqual(errorTree(stacked.outcome!.reason))
        }
        if (nested.outcome!.status === 'fulfilled') {
          // Nested: a level that suppressed resolves undefined, and outer levels pass that on.
          expect(nested.outcome!.value).toBe(expected.anyError ? undefined : BODY_VALUE)
        }
      }),
      { numRuns: 200 },
    )
  })
})
