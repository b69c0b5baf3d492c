import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// What users see: the members HttpClient declares in the emitted .d.ts are exactly the
// documented ones (nothing `@internal` leaks into autocomplete), and the engine's files do
// not import the client.

const root = fileURLToPath(new URL('../..', import.meta.url))
let out: string
let declaration: string

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'asyncwith-dts-'))
  execFileSync(
    'npx',
    [
      '--no-install',
      'tsc',
      '--ignoreConfig',
      '--declaration',
      '--emitDeclarationOnly',
      '--outDir',
      out,
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--lib',
      'es2023,esnext.disposable',
      '--types',
      'node',
      '--skipLibCheck',
      '--strict',
      'src/http/http-client.ts',
    ],
    { cwd: root, stdio: 'pipe' },
  )
  declaration = readFileSync(join(out, 'http', 'http-client.d.ts'), 'utf8')
}, 120_000)
afterAll(() => rmSync(out, { recursive: true, force: true }))

/** The member names of `export declare class <name>` in `text`, without doc comments. */
function members(text: string, name: string): string[] {
  const start = text.indexOf(`export declare class ${name} `)
  const end = text.indexOf('\n}', start)
  return text
    .slice(text.indexOf('{', start) + 1, end)
    .replace(/\/\*\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => /^(#private|\[[^\]]+\]|[A-Za-z_$][\w$]*)/.exec(line)?.[1] ?? line)
}

describe('HttpClient declarations', () => {
  it('declares exactly the documented members', () => {
    expect(members(declaration, 'HttpClient')).toEqual([
      '#private',
      'constructor',
      'request',
      'get',
      'head',
      'post',
      'put',
      'patch',
      'delete',
      'fetchAll',
      'enter',
      'exit',
      '[Symbol.asyncDispose]',
      'close',
      'statistics',
    ])
  })

  it('has no import circle in src/http, type-only imports included', () => {
    const dir = join(root, 'src', 'http')
    const imports = new Map<string, string[]>()
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(join(dir, file), 'utf8')
      const targets = [...source.matchAll(/from '\.\/([\w-]+)\.js'/g)].map((m) => `${m[1]}.ts`)
      imports.set(file, targets)
    }
    const cycles: string[] = []
    const visit = (file: string, path: string[]): void => {
      for (const next of imports.get(file) ?? []) {
        if (path.includes(next)) cycles.push([...path.slice(path.indexOf(next)), next].join(' → '))
        else visit(next, [...path, next])
      }
    }
    for (const file of imports.keys()) visit(file, [file])
    expect(cycles).toEqual([])
    expect(imports.get('fetch-all.ts')).not.toContain('http-client.ts')
  })

  it('keeps http-client.ts a thin front, under 300 lines', () => {
    const source = readFileSync(join(root, 'src', 'http', 'http-client.ts'), 'utf8')
    expect(source.split('\n').length).toBeLessThan(300)
  })
})
