// Runs every benchmark file in bench/, each in its own process so one subject's garbage and
// JIT state do not leak into the next. Pass file names to run only those.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

const wanted = process.argv.slice(2)
const files = readdirSync(new URL('../bench/', import.meta.url))
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => wanted.length === 0 || wanted.some((w) => name.includes(w)))
  .sort()

let failed = false
for (const file of files) {
  console.log(`\n# bench/${file}\n`)
  const { status } = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', `bench/${file}`],
    {
      stdio: 'inherit',
    },
  )
  if (status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
