import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bodyText } from '../../src/cli/body-text.js'
import type { InputEntry } from '../../src/cli/input.js'
import {
  type BodyMode,
  outcomeLine,
  outcomeRecord,
  RECORDED_HEADERS,
  type RecordContext,
  type RecordFacts,
} from '../../src/cli/records.js'
import type { FetchOutcome } from '../../src/http/index.js'

const newFacts = (): RecordFacts => ({
  ok: false,
  status: undefined,
  errorCode: undefined,
  bytes: 0,
})

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff])

function success(
  value: unknown,
  headers: Record<string, string> = {},
  extra: Partial<Record<string, unknown>> = {},
): FetchOutcome<unknown> {
  return {
    ok: true,
    input: 'http://a.test/',
    index: 0,
    url: 'http://a.test/',
    status: 200,
    headers,
    redirects: [],
    attempts: 1,
    size: value instanceof Uint8Array ? value.byteLength : 0,
    timings: { start: 1, wait: 0, ttfb: 2, total: 3 },
    value,
    ...extra,
  } as FetchOutcome<unknown>
}

const entry: InputEntry = { line: 1, text: 'http://a.test/' }

describe('outcomeLine() agrees with its specification outcomeRecord()', () => {
  const text = fc.oneof(
    fc.string(),
    fc.constantFrom(
      'http://a.test/',
      'https://b.test/x?y=1',
      'HTTP://A.TEST',
      'not a url',
      'ftp://c.test/',
    ),
    fc.webUrl(),
  )
  const headerValue = fc.oneof(fc.string(), fc.array(fc.string(), { minLength: 1, maxLength: 3 }))
  const headers = fc.dictionary(
    fc.constantFrom(...RECORDED_HEADERS, 'x-other', 'set-cookie'),
    headerValue,
  )
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.string().map((s) => new TextEncoder().encode(s)),
  )
  const contentType = fc.option(
    fc.constantFrom(
      'text/plain',
      'text/html; charset=utf-8',
      'text/plain; charset=iso-8859-1',
      'image/png',
      'application/json',
      'application/octet-stream',
    ),
    { nil: undefined },
  )
  const timings = fc.record(
    {
      start: fc.nat(),
      wait: fc.nat(),
      ttfb: fc.option(fc.nat(), { nil: undefined }),
      total: fc.nat(),
    },
    { requiredKeys: ['start', 'wait', 'ttfb', 'total'] },
  )
  const error = fc
    .record({
      code: fc.option(fc.constantFrom('ASYNCWITH_TIMEOUT', 'ASYNCWITH_BODY_TOO_LARGE'), {
        nil: undefined,
      }),
      message: fc.string(),
    })
    .map(({ code, message }) =>
      Object.assign(new Error(message), code === undefined ? {} : { code }),
    )
  const outcome: fc.Arbitrary<FetchOutcome<unknown>> = fc.oneof(
    fc
      .record({
        url: text,
        status: fc.integer({ min: 100, max: 599 }),
        headers,
        contentType,
        attempts: fc.integer({ min: 1, max: 5 }),
        timings,
        value: bytes,
      })
      .map(
        ({ contentType: type, ...rest }) =>
          ({
            ok: true,
            input: '',
            index: 0,
            redirects: [],
            size: rest.value.byteLength,
            ...rest,
            headers: type === undefined ? rest.headers : { ...rest.headers, 'content-type': type },
          }) as FetchOutcome<unknown>,
      ),
    fc
      .record(
        {
          url: fc.option(text, { nil: undefined }),
          error,
          attempts: fc.nat({ max: 5 }),
          timings,
          status: fc.integer({ min: 100, max: 599 }),
          headers,
        },
        { requiredKeys: ['url', 'error', 'attempts', 'timings'] },
      )
      .map((rest) => ({ ok: false, input: '', index: 0, ...rest }) as FetchOutcome<unknown>),
  )
  const context: fc.Arbitrary<RecordContext> = fc.oneof(
    fc.constantFrom<BodyMode>('text', 'base64', 'none').map((body) => ({ body })),
    fc.record({
      body: fc.constant<BodyMode>('none'),
      bodyFile: fc.oneof(
        fc.record({ path: fc.string(), bytes: fc.nat() }),
        fc.string().map((message) => ({
          error: Object.assign(new Error(message), { code: 'ASYNCWITH_BODY_WRITE' }),
        })),
      ),
    }),
  )

  it('writes exactly JSON.stringify(outcomeRecord(…)), and tells the same facts', () => {
    fc.assert(
      fc.property(fc.nat(), text, outcome, context, (line, input, result, ctx) => {
        const record = outcomeRecord({ line, text: input }, result, ctx)
        const facts = newFacts()
        expect(outcomeLine({ line, text: input }, result, ctx, facts)).toBe(JSON.stringify(record))
        expect(facts.ok).toBe(record.ok)
        expect(facts.bytes).toBe(record.bytes)
        expect(facts.errorCode).toBe(record.error?.code)
        // A failure with a status counts under its error only, so the summary adds up.
        expect(facts.status).toBe(result.ok ? record.status : undefined)
      }),
      { numRuns: 500 },
    )
  })
})

describe('records', () => {
  it('with --body text, puts a body that is not text in body_base64, never mangled', () => {
    const record = outcomeRecord(entry, success(PNG, { 'content-type': 'image/png' }), {
      body: 'text',
    })
    expect(record.body).toBeUndefined()
    expect(Buffer.from(record.body_base64!, 'base64')).toEqual(Buffer.from(PNG))
  })

  it('with --body text, puts bytes that are invalid in their charset in body_base64', () => {
    const invalid = Uint8Array.from([0x68, 0x69, 0xc3, 0x28])
    const record = outcomeRecord(
      entry,
      success(invalid, { 'content-type': 'text/plain; charset=utf-8' }),
      {
        body: 'text',
      },
    )
    expect(record.body).toBeUndefined()
    expect(Buffer.from(record.body_base64!, 'base64')).toEqual(Buffer.from(invalid))
  })

  it('with --body text, decodes text per its charset', () => {
    const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9])
    const record = outcomeRecord(
      entry,
      success(latin1, { 'content-type': 'text/plain; charset=iso-8859-1' }),
      {
        body: 'text',
      },
    )
    expect(record.body).toBe('café')
    expect(record.body_base64).toBeUndefined()
    const utf8 = outcomeRecord(entry, success(new TextEncoder().encode('Grüße'), {}), {
      body: 'text',
    })
    expect(utf8.body).toBe('Grüße')
  })

  it('writes timings.wait between start and ttfb', () => {
    const outcome = success(
      new Uint8Array(0),
      {},
      { timings: { start: 10, wait: 7000, ttfb: 5, total: 7010 } },
    )
    const line = outcomeLine(entry, outcome, { body: 'none' }, newFacts())
    expect(line).toContain('"timings":{"start":10,"wait":7000,"ttfb":5,"total":7010}')
  })

  it('keeps the status and headers that arrived on a failure such as BODY_TOO_LARGE', () => {
    const outcome = {
      ok: false,
      input: entry.text,
      index: 0,
      url: entry.text,
      error: Object.assign(new Error('Body larger than 10 bytes'), {
        code: 'ASYNCWITH_BODY_TOO_LARGE',
      }),
      attempts: 1,
      timings: { start: 1, wait: 0, ttfb: 2, total: 3 },
      status: 200,
      headers: { 'content-type': 'text/plain', 'content-length': '100', 'x-other': 'no' },
    } as FetchOutcome<unknown>
    const facts = newFacts()
    const record = JSON.parse(outcomeLine(entry, outcome, { body: 'text' }, facts))
    expect(record).toMatchObject({
      ok: false,
      status: 200,
      headers: { 'content-type': 'text/plain', 'content-length': '100' },
      error: { code: 'ASYNCWITH_BODY_TOO_LARGE' },
    })
    expect(record.headers).not.toHaveProperty('x-other')
    expect(Object.keys(record)).toEqual([
      'line',
      'input',
      'url',
      'final_url',
      'ok',
      'status',
      'headers',
      'bytes',
      'attempts',
      'timings',
      'error',
    ])
    expect(facts).toMatchObject({
      ok: false,
      status: undefined,
      errorCode: 'ASYNCWITH_BODY_TOO_LARGE',
    })
  })
})

describe('bodyText()', () => {
  it('refuses binary media types whatever the bytes, and takes the charset parameter', () => {
    const ascii = new TextEncoder().encode('GIF89a plain bytes')
    expect(bodyText(ascii, 'image/gif')).toBeUndefined()
    expect(bodyText(ascii, 'application/octet-stream')).toBeUndefined()
    expect(bodyText(ascii, 'image/svg+xml')).toBe('GIF89a plain bytes')
    expect(bodyText(ascii, 'application/json')).toBe('GIF89a plain bytes')
    expect(bodyText(Uint8Array.from([0xe9]), 'text/plain; charset="ISO-8859-1"')).toBe('é')
    expect(bodyText(Uint8Array.from([0xe9]), 'text/plain')).toBeUndefined()
  })
})
