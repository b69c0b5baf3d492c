// Checks the package the way a new user meets it: packs the tarball, installs it into fresh
// consumer projects (test/consumer/: ESM, CommonJS, and core-only without @types/node), and
// there type-checks with `strict` + `module: nodenext` and no `lib` or `target`, under each
// TypeScript version the README states, with @types/node 20 and 22. It then runs the
// projects, and type-checks and runs every ```ts sample of README.md as written.
//
// README markers (an HTML comment on the line before the fence):
//   <!-- sample: no-run -->  type-check the sample but do not run it
// Samples may use the placeholders (`urls`, `db`, `connect`, ...) that
// test/consumer/readme-fixtures.ts defines; its URLs point at a server on 127.0.0.1 only.
//
// Usage: node scripts/consumer-check.mjs   (CONSUMER_DIR=... to keep the work directory)
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const work = process.env.CONSUMER_DIR ?? join(tmpdir(), 'asyncwith-consumer')

// The TypeScript versions the README promises, oldest and newest of each line.
const typescript = {
  5.2: 'typescript@~5.2.2',
  5.9: 'typescript@~5.9.3',
  7: 'typescript@^7.0.2',
}
const fixtures = [
  {
    name: 'esm-node20',
    dir: 'esm',
    types: '@types/node@20',
    ts: ['7', '5.9', '5.2'],
    run: true,
    extra: ['tsconfig.strictest.json'],
  },
  { name: 'esm-node22', dir: 'esm', types: '@types/node@22', ts: ['7', '5.2'], run: false },
  { name: 'cjs-node20', dir: 'cjs', types: '@types/node@20', ts: ['7', '5.2'], run: true },
  { name: 'core', dir: 'core', types: null, ts: ['7', '5.2'], run: true },
]

let failures = 0
const fail = (message) => {
  failures++
  console.error(`FAIL ${message}`)
}
const sh = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })

/** The ```ts blocks of README.md, with the README line of their first code line. */
export function readmeSamples(text) {
  const lines = text.split('\n')
  const samples = []
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i])) continue
    let end = i + 1
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++
    let before = i - 1
    while (before >= 0 && lines[before].trim() === '') before--
    const marker = /^<!--\s*sample:\s*([\w -]+?)\s*-->$/.exec(lines[before]?.trim() ?? '')
    samples.push({
      line: i + 2,
      code: lines.slice(i + 1, end).join('\n'),
      run: !(marker?.[1] ?? '').split(/\s+/).includes('no-run'),
    })
    i = end
  }
  return samples
}

function writeReadmeSamples(dir) {
  const samples = readmeSamples(readFileSync(join(root, 'README.md'), 'utf8'))
  // A broken extractor must not pass by checking nothing.
  if (samples.length < 20) fail(`expected the README's 20+ ts samples, found ${samples.length}`)
  mkdirSync(join(dir, 'readme'), { recursive: true })
  cpSync(join(root, 'test/consumer/readme-fixtures.ts'), join(dir, 'readme/_fixtures.ts'))
  for (const sample of samples) {
    // The fixtures import goes last so that line k of the file is README line `line + k - 1`;
    // imports are hoisted, so the fixtures still load first.
    writeFileSync(
      join(dir, `readme/line-${sample.line}.ts`),
      `${sample.code}\nimport './_fixtures.js'\nexport {}\n`,
    )
  }
  return samples
}

function runNode(file, cwd) {
  const result = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout: 60_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, error: result.error }
}

rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
console.log(`packing into ${work}`)
// npm pack prints the tarball's name last (after anything the prepack build prints).
const packed = sh('npm', ['pack', '--silent', '--pack-destination', work], root).trim()
const tarball = join(work, packed.split('\n').at(-1) ?? '')

for (const fixture of fixtures) {
  const dir = join(work, fixture.name)
  cpSync(join(root, 'test/consumer', fixture.dir), dir, { recursive: true })
  const samples = fixture.dir === 'esm' ? writeReadmeSamples(dir) : []
  const specs = [tarball, ...fixture.ts.map((v) => `ts-${v}@npm:${typescript[v]}`)]
  if (fixture.types) specs.push(fixture.types)
  console.log(`${fixture.name}: npm install ${specs.map((s) => s.replace(work, '.')).join(' ')}`)
  sh('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', ...specs], dir)

  for (const version of fixture.ts) {
    for (const project of ['tsconfig.json', ...(fixture.extra ?? [])]) {
      const tsc = join(dir, `node_modules/ts-${version}/bin/tsc`)
      const result = spawnSync(process.execPath, [tsc, '-p', project, '--noEmit'], {
        cwd: dir,
        encoding: 'utf8',
      })
      if (result.status === 0) console.log(`  ok   tsc ${version} -p ${project}: type-checks`)
      else fail(`${fixture.name}: tsc ${version} -p ${project}\n${result.stdout}${result.stderr}`)
    }
  }
  if (!fixture.run) continue

  const tsc = join(dir, `node_modules/ts-${fixture.ts[0]}/bin/tsc`)
  const emitted = spawnSync(process.execPath, [tsc, '-p', '.'], { cwd: dir, encoding: 'utf8' })
  if (emitted.status !== 0) {
    fail(`${fixture.name}: emit\n${emitted.stdout}${emitted.stderr}`)
    continue
  }
  const expected = readFileSync(join(dir, 'expected.txt'), 'utf8')
  const main = runNode('out/index.js', dir)
  if (main.code === 0 && main.stdout === expected) console.log('  ok   runs: index.js')
  else fail(`${fixture.name}: index.js exited ${main.code}\n${main.stdout}${main.stderr}`)

  for (const sample of samples.filter((s) => s.run)) {
    const result = runNode(`out/readme/line-${sample.line}.js`, dir)
    if (result.code === 0) console.log(`  ok   runs: README.md sample at line ${sample.line}`)
    else
      fail(
        `README.md sample at line ${sample.line} exited ${result.code} ${result.error ?? ''}\n${result.stdout}${result.stderr}`,
      )
  }
  const skipped = samples.filter((s) => !s.run).map((s) => s.line)
  if (skipped.length > 0) console.log(`  (type-checked only: README lines ${skipped.join(', ')})`)
}

if (failures > 0) {
  console.error(`\n${failures} consumer check(s) failed (work directory: ${work})`)
  process.exit(1)
}
console.log('\nall consumer checks passed')
if (process.env.CONSUMER_DIR === undefined) rmSync(work, { recursive: true, force: true })
