import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/cli/errors.js'
import type { InputEntry } from '../../src/cli/input.js'
import { bodyFileName } from '../../src/cli/records.js'
import { checkRecordsMatch, prepareResume, RecordedSet } from '../../src/cli/resume.js'

const dir = mkdtempSync(join(tmpdir(), 'asyncwith-resume-'))
const record = (line: number, input: string) => JSON.stringify({ line, input, ok: true })

describe('prepareResume()', () => {
  it('truncates a torn last line and collects the records before it', async () => {
    const path = join(dir, 'torn.jsonl')
    const whole = `${record(1, 'http://a.test/')}\n${record(3, 'http://c.test/')}\n`
    writeFileSync(path, `${whole}{"line":2,"input":"http://b.te`)
    const state = await prepareResume(path)
    expect(readFileSync(path, 'utf8')).toBe(whole)
    expect(state.repairedBytes).toBe('{"line":2,"input":"http://b.te'.length)
    expect(state.recorded.size).toBe(2)
    expect(state.recorded.has(1, 'http://a.test/')).toBe(true)
    expect(state.recorded.has(2, 'http://b.test/')).toBe(false)
    expect(state.recorded.has(3, 'http://c.test/')).toBe(true)
  })

  it('truncates a record torn inside its very first bytes', async () => {
    const path = join(dir, 'torn-early.jsonl')
    const whole = `${record(1, 'http://a.test/')}\n`
    writeFileSync(path, `${whole}{"li`)
    await prepareResume(path)
    expect(readFileSync(path, 'utf8')).toBe(whole)
  })

  it('truncates a file that holds only a torn line to empty', async () => {
    const path = join(dir, 'only-torn.jsonl')
    writeFileSync(path, '{"line":1,"inp')
    const state = await prepareResume(path)
    expect(readFileSync(path, 'utf8')).toBe('')
    expect(state.recorded.size).toBe(0)
  })

  it('leaves a file that ends in a newline untouched', async () => {
    const path = join(dir, 'clean.jsonl')
    const text = `${record(1, 'u')}\n\n${record(2, 'v')}\n`
    writeFileSync(path, text)
    const state = await prepareResume(path)
    expect(readFileSync(path, 'utf8')).toBe(text)
    expect(state.repairedBytes).toBe(0)
    expect(state.recorded.size).toBe(2)
  })

  it.each([
    ['a URL list', 'http://a.test/\nhttp://b.test/\n', 1, 'http://a.test/'],
    ['a line that is JSON but not a record', `${record(1, 'u')}\n{"other":1}\n`, 2, '{"other":1}'],
    ['a URL list without a final newline', 'http://a.test/', 1, 'http://a.test/'],
    ['records, then a torn line that is not one', `${record(1, 'u')}\nhttp://x`, 2, 'http://x'],
  ])(
    'refuses %s, naming the first offending line, and changes nothing',
    async (_name, text, line, shown) => {
      const path = join(dir, `refused-${line}-${text.length}.jsonl`)
      writeFileSync(path, text)
      const error = await prepareResume(path).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(UsageError)
      expect((error as Error).message).toContain(`line ${line} is not a record of asyncwith fetch`)
      expect((error as Error).message).toContain(JSON.stringify(shown))
      expect(readFileSync(path, 'utf8')).toBe(text)
    },
  )

  it('treats a missing file as an empty journal', async () => {
    const state = await prepareResume(join(dir, 'missing.jsonl'))
    expect(state.recorded.size).toBe(0)
  })
})

describe('RecordedSet', () => {
  it('matches on line number and input text together', () => {
    const set = new RecordedSet()
    set.add(5, 'http://a.test/')
    set.add(100_000, 'http://z.test/')
    expect(set.has(5, 'http://a.test/')).toBe(true)
    expect(set.has(5, 'http://b.test/')).toBe(false)
    expect(set.has(6, 'http://a.test/')).toBe(false)
    expect(set.has(100_000, 'http://z.test/')).toBe(true)
    expect(set.has(10_000_000, 'http://z.test/')).toBe(false)
    expect(set.size).toBe(2)
  })
})

describe('checkRecordsMatch()', () => {
  async function* entries(...list: InputEntry[]) {
    yield* list
  }
  const recordedOf = (...pairs: [number, string][]) => {
    const set = new RecordedSet()
    for (const [i, [line, input]] of pairs.entries()) set.add(line, input, i + 1)
    return set
  }

  it('accepts records that are all of this input, recorded or not yet', async () => {
    const recorded = recordedOf([1, 'a'], [3, 'c'])
    await expect(
      checkRecordsMatch(
        recorded,
        entries({ line: 1, text: 'a' }, { line: 2, text: 'b' }, { line: 3, text: 'c' }),
        'o',
      ),
    ).resolves.toBeUndefined()
  })

  it('refuses records of another input, naming the first records-file line that differs', async () => {
    const recorded = recordedOf([2, 'x'], [1, 'a'], [3, 'y'])
    const error = await checkRecordsMatch(
      recorded,
      entries({ line: 1, text: 'a' }, { line: 2, text: 'b' }, { line: 3, text: 'c' }),
      'out.jsonl',
    ).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as Error).message).toBe(
      `cannot resume: 'out.jsonl' line 1 records input line 2 with other text than "b": the records are of another input; nothing was written`,
    )
  })

  it('refuses a record of a line this input does not have', async () => {
    const recorded = recordedOf([1, 'a'], [9, 'z'])
    const error = await checkRecordsMatch(recorded, entries({ line: 1, text: 'a' }), 'o').catch(
      (caught: unknown) => caught,
    )
    expect((error as Error).message).toBe(
      "cannot resume: 'o' line 2 records input line 9, which this input does not have: the records are of another input; nothing was written",
    )
  })
})

describe('bodyFileName()', () => {
  it('is made of the line number and a hash only, whatever the URL', () => {
    const name = bodyFileName(12, 'http://a.test/../../../etc/passwd')
    expect(name).toMatch(/^000012-[0-9a-f]{12}\.body$/)
    expect(bodyFileName(12, 'http://a.test/x')).not.toBe(name)
    expect(bodyFileName(1_234_567, 'u')).toMatch(/^1234567-[0-9a-f]{12}\.body$/)
  })
})
