import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Node 24 runs `await using` natively: keep it in the test code there instead of letting the
// transform lower it, so both the native and the down-levelled forms are exercised.
const nativeUsing = Number(process.versions.node.split('.')[0]) >= 24
const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

export default defineConfig({
  oxc: { target: nativeUsing ? 'esnext' : 'node20' },
  resolve: {
    // Tests and examples import the package by its public name, as users do.
    alias: [
      { find: /^asyncwith$/, replacement: src('index.ts') },
      { find: /^asyncwith\/(context|iter|task|http|frontier)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests and real-server tests need more than the 5 s default on a 2-core machine.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
