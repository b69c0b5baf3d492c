import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bodyFileName } from '../../src/cli/records.js'
import { prepareResume, RecordedSet } from '../../src/cli/resume.js'

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

  it('truncates a file that holds only a torn line to empty', async () => {
    const path = join(dir, 'only-torn.jsonl')
    writeFileSync(path, '{"line":1,"inp')
    const state = await prepareResume(path)
    expect(readFileSync(path, 'utf8')).toBe('')
    expect(state.recorded.size).toBe(0)
  })

  it('leaves a file that ends in a newline untouched and counts lines that are not records', async () => {
    const path = join(dir, 'clean.jsonl')
    const text = `${record(1, 'u')}\nnot json\n{"other":1}\n`
    writeFileSync(path, text)
    const state = await prepareResume(path)
    expect(readFileSync(path, 'utf8')).toBe(text)
    expect(state).toMatchObject({ repairedBytes: 0, unreadable: 2 })
  })

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

describe('bodyFileName()', () => {
  it('is made of the line number and a hash only, whatever the URL', () => {
    const name = bodyFileName(12, 'http://a.test/../../../etc/passwd')
    expect(name).toMatch(/^000012-[0-9a-f]{12}\.body$/)
    expect(bodyFileName(12, 'http://a.test/x')).not.toBe(name)
    expect(bodyFileName(1_234_567, 'u')).toMatch(/^1234567-[0-9a-f]{12}\.body$/)
  })
})
