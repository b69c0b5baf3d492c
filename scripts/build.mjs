// Builds dist/ (ESM, the package's own format) and dist/cjs/ (CommonJS, for `require`).
// Both come from the same sources with tsc; dist/cjs/package.json marks its files as CommonJS.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'

const tsc = (project) =>
  execFileSync('npx', ['--no-install', 'tsc', '-p', project], { stdio: 'inherit' })

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true })
tsc('tsconfig.build.json')
tsc('tsconfig.cjs.json')
mkdirSync(new URL('../dist/cjs', import.meta.url), { recursive: true })
writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n')
// The CLI entry is the package's bin: make it executable for direct runs too.
chmodSync(new URL('../dist/cli/main.js', import.meta.url), 0o755)
