// Builds dist/ (ESM, the package's own format) and dist/cjs/ (CommonJS, for `require`).
// Both come from the same sources with tsc; dist/cjs/package.json marks its files as CommonJS.
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = join(root, 'dist')
const tsc = (project) =>
  execFileSync('npx', ['--no-install', 'tsc', '-p', project], { cwd: root, stdio: 'inherit' })

rmSync(dist, { recursive: true, force: true })
tsc('tsconfig.build.json')
tsc('tsconfig.cjs.json')
mkdirSync(join(dist, 'cjs'), { recursive: true })
writeFileSync(join(dist, 'cjs/package.json'), '{ "type": "commonjs" }\n')
// The CLI entry is the package's bin: make it executable for direct runs too.
chmodSync(join(dist, 'cli/main.js'), 0o755)

// The declarations name `AsyncDisposable`, `Symbol.asyncDispose` and `SuppressedError`, which
// TypeScript's default `lib` leaves out. Ship those global types with the package and
// reference them from each declaration file that uses them, so consumers need no `lib`
// setting (tsc keeps no `/// <reference path>` in its output, hence this step).
const globals = join(root, 'src/_types/disposable.d.ts')
const needsGlobals = /\b(?:Async)?Disposable\b|Symbol\.(?:async)?[dD]ispose|SuppressedError/

function* declarationFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory() && entry.name !== '_types') yield* declarationFiles(path)
    else if (entry.name.endsWith('.d.ts')) yield path
  }
}

for (const out of [dist, join(dist, 'cjs')]) {
  const target = join(out, '_types/disposable.d.ts')
  mkdirSync(dirname(target), { recursive: true })
  copyFileSync(globals, target)
  for (const file of declarationFiles(out)) {
    if (file.startsWith(join(dist, 'cjs')) && out === dist) continue
    const text = readFileSync(file, 'utf8')
    if (!needsGlobals.test(text)) continue
    const ref = relative(dirname(file), target).split('\\').join('/')
    const path = ref.startsWith('.') ? ref : `./${ref}`
    writeFileSync(file, `/// <reference path="${path}" />\n${text}`)
    // One generated line more at the top: an empty first line in the mappings keeps
    // go-to-definition on the right source line.
    const map = `${file}.map`
    if (existsSync(map)) {
      const json = JSON.parse(readFileSync(map, 'utf8'))
      json.mappings = `;${json.mappings}`
      writeFileSync(map, JSON.stringify(json))
    }
  }
}
