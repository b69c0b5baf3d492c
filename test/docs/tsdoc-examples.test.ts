import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'

// Every `@example` in a public TSDoc comment must run as written (Deno checks its docs the
// same way). Examples are extracted into files and imported, so `asyncwith/...` imports
// resolve as they do for users.

const root = fileURLToPath(new URL('../../', import.meta.url))
const outDir = join(root, 'test/.doc-examples')
// Layers whose examples need Node.js servers or the network are checked by their own tests.
const layers = ['context', 'iter', 'task']

interface Example {
  file: string
  line: number
  code: string
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* sourceFiles(path)
    else if (entry.name.endsWith('.ts')) yield path
  }
}

function extract(path: string): Example[] {
  const lines = readFileSync(path, 'utf8').split('\n')
  const examples: Example[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\* @example\s*$/.test(lines[i] ?? '')) continue
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length; j++) {
      const line = lines[j] ?? ''
      if (/^\s*\*\/\s*$/.test(line) || /^\s*\* @\w+/.test(line)) break
      body.push(line.replace(/^\s*\* ?/, ''))
    }
    examples.push({ file: relative(root, path), line: i + 1, code: body.join('\n') })
    i = j - 1
  }
  return examples
}

const examples = layers.flatMap((layer) =>
  [...sourceFiles(join(root, 'src', layer))].flatMap(extract),
)

describe('TSDoc @example blocks', () => {
  mkdirSync(outDir, { recursive: true })
  afterAll(() => rmSync(outDir, { recursive: true, force: true }))

  it('exist for the public API', () => {
    expect(examples.length).toBeGreaterThan(10)
  })

  it.each(examples.map((example) => [`${example.file}:${example.line}`, example] as const))(
    '%s runs without throwing',
    async (_name, example) => {
      const file = join(outDir, `${example.file.replace(/[/.]/g, '_')}_${example.line}.ts`)
      writeFileSync(file, `${example.code}\nexport {}\n`)
      const log = vi.spyOn(console, 'log').mockImplementation(() => {})
      try {
        await import(file)
      } finally {
        log.mockRestore()
      }
    },
  )
})
