import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The core layers run in browsers, Deno and Bun: no dependency, no `node:` module, and
// imports only flow from a layer to the ones before it, through that layer's index.ts, or to
// the private src/_internal (design.md, "Layers").
const root = fileURLToPath(new URL('../', import.meta.url))
const order = ['context', 'iter', 'task', 'http', 'frontier', 'cli'] as const
const layers: readonly string[] = order

function importsOf(layer: string): Array<{ file: string; specifier: string }> {
  const dir = join(root, 'src', layer)
  const found: Array<{ file: string; specifier: string }> = []
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.ts')) continue
    // Comments hold TSDoc examples that import the public package: leave them out.
    const text = readFileSync(join(dir, name), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '')
    for (const match of text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g,
    )) {
      found.push({ file: `src/${layer}/${name}`, specifier: match[1]! })
    }
  }
  return found
}

/** True for a relative import that leaves its layer other than to a layer's index.ts or _internal. */
function breaksImportRule(specifier: string): boolean {
  if (!specifier.startsWith('../')) return false
  const match = /^\.\.\/([^/]+)\/(.+)$/.exec(specifier)
  if (match === null) return true
  const target = match[1]!
  const rest = match[2]!
  if (target === '_internal') return rest.includes('/')
  return !layers.includes(target) || rest !== 'index.js'
}

describe('layering', () => {
  it.each(['context', 'iter', 'task', '_internal'])(
    'src/%s imports only relative modules',
    (layer) => {
      const outside = importsOf(layer).filter(({ specifier }) => !specifier.startsWith('.'))
      expect(outside).toEqual([])
    },
  )

  it.each(order.map((layer, index) => [layer, order.slice(index + 1)] as const))(
    'src/%s imports nothing from the layers after it',
    (layer, later) => {
      const wrong = importsOf(layer).filter(({ specifier }) =>
        later.some((other) => specifier.includes(`../${other}/`)),
      )
      expect(wrong).toEqual([])
    },
  )

  it.each(order)(
    'src/%s reaches another layer only through its index.ts, or src/_internal',
    (layer) => {
      const wrong = importsOf(layer).filter(({ specifier }) => breaksImportRule(specifier))
      expect(wrong).toEqual([])
    },
  )

  it('src/_internal imports no layer, so every layer can use it', () => {
    const wrong = importsOf('_internal').filter(({ specifier }) => !specifier.startsWith('./'))
    expect(wrong).toEqual([])
  })

  it.each([
    ['../context/_symbols.js', true],
    ['../context/errors.js', true],
    ['../iter/index.js', false],
    ['../_internal/check.js', false],
    ['../_internal/deep/x.js', true],
    ['../elsewhere/index.js', true],
    ['./local.js', false],
  ])('judges %s as breaking the rule: %s', (specifier, breaks) => {
    expect(breaksImportRule(specifier)).toBe(breaks)
  })

  it('has two runtime dependencies: undici 7, only for src/http, and node-redis, only for src/frontier', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>
    }
    expect(manifest.dependencies).toEqual({
      undici: expect.stringMatching(/^\^7\./),
      '@redis/client': expect.stringMatching(/^\^6\./),
    })
    const all = order.flatMap((layer) => importsOf(layer))
    const undici = all.filter(
      ({ specifier }) => specifier === 'undici' || specifier.startsWith('undici/'),
    )
    expect(undici.every(({ file }) => file.startsWith('src/http/'))).toBe(true)
    const redis = all.filter(({ specifier }) => specifier.startsWith('@redis/'))
    expect(redis.length).toBeGreaterThan(0)
    expect(redis.every(({ file }) => file.startsWith('src/frontier/'))).toBe(true)
  })
})
