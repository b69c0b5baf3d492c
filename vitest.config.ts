import { defineConfig } from 'vitest/config'

// Node 24 runs `await using` natively: keep it in the test code there instead of letting
// esbuild lower it, so both the native and the down-levelled forms are exercised.
const nativeUsing = Number(process.versions.node.split('.')[0]) >= 24

export default defineConfig({
  oxc: { target: nativeUsing ? 'esnext' : 'node20' },
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests and real-server tests need more than the 5 s default on a 2-core machine.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
