#!/usr/bin/env bash
# Runs the test suite under Node.js 24, where `await using`, AsyncDisposableStack and
# SuppressedError are native. The binary comes from the npm package `node@24`.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${NODE24_DIR:-${TMPDIR:-/tmp}/asyncwith-node24}"
if [[ ! -x "$dir/node_modules/.bin/node" ]]; then
  mkdir -p "$dir"
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$dir" node@24 >/dev/null
fi
"$dir/node_modules/.bin/node" --version
"$dir/node_modules/.bin/node" node_modules/vitest/vitest.mjs run "$@"
