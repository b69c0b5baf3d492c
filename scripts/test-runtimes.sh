#!/usr/bin/env bash
# Runs test/runtimes/smoke.mjs on the built core layers under Node.js, Deno and Bun. Deno and
# Bun come from their npm packages (their binaries ship inside registry packages).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${RUNTIMES_DIR:-${TMPDIR:-/tmp}/asyncwith-runtimes}"
if [[ ! -x "$dir/node_modules/.bin/deno" || ! -x "$dir/node_modules/.bin/bun" ]]; then
  mkdir -p "$dir"
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$dir" deno bun >/dev/null
fi
npm run build >/dev/null
node test/runtimes/smoke.mjs
"$dir/node_modules/.bin/deno" run --no-prompt --allow-read test/runtimes/smoke.mjs
"$dir/node_modules/.bin/bun" test/runtimes/smoke.mjs
