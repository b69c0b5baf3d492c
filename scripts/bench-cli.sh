#!/usr/bin/env bash
# CLI throughput benchmark: `asyncwith fetch` (the built CLI, records to a JSONL file) against
# `curl --parallel --parallel-max 64` (bodies to /dev/null), over loopback against one nginx.
#
#   bash scripts/bench-cli.sh
#
# Target: the CLI's median wall time is at most 1.25x curl's. Both are timed as whole
# processes (start-up included), 3 interleaved rounds after one warm-up each. A third row,
# client.fetchAll alone from dist/http in its own process, shows how much of the time is the
# library and how much the CLI around it. The CLI's records are checked after the clock stops:
# 20,000 lines, each status 200, every URL once.
#
# Server: as scripts/bench-http.sh, nginx with a generated config in a temp dir on 127.0.0.1
# (installing nginx-light with apt-get when missing and run as root), serving 20,000 files of
# 1 KiB at /f/0 … /f/19999; without nginx, a node:http server in a child process (said so).
# Builds dist/ with `npm run build` first, so it measures the current sources
# (BENCH_CLI_BUILD=0 skips the build). Knobs: BENCH_CLI_N (20000), BENCH_CLI_ROUNDS (3),
# BENCH_CLI_CONCURRENCY (64), BENCH_CLI_NO_NGINX=1 (node:http fallback),
# BENCH_CLI_NODE_ARGS (extra node flags, such as --cpu-prof).
set -euo pipefail

cd "$(dirname "$0")/.."
N="${BENCH_CLI_N:-20000}"
ROUNDS="${BENCH_CLI_ROUNDS:-3}"
CONCURRENCY="${BENCH_CLI_CONCURRENCY:-64}"
TARGET="1.25"

BENCH_NAME=bench-cli
# shellcheck source=scripts/_bench-server.sh
source scripts/_bench-server.sh

# --- the CLI --------------------------------------------------------------------------------------
if [ "${BENCH_CLI_BUILD:-1}" != 0 ] || [ ! -f dist/cli/main.js ]; then
  echo "building dist/ (npm run build)" >&2
  npm run build >/dev/null
fi
[ -f dist/cli/main.js ] || { echo "dist/cli/main.js is missing after the build" >&2; exit 1; }

# --- curl -----------------------------------------------------------------------------------------
CURL="$(command -v curl || true)"
if [ -z "$CURL" ]; then
  apt_install curl || true
  CURL="$(command -v curl || true)"
fi
[ -n "$CURL" ] || { echo "curl is not installed" >&2; exit 1; }
if ! "$CURL" --help all 2>/dev/null | grep -q -- '--parallel-max'; then
  echo "$("$CURL" --version | head -n1 | cut -d' ' -f1-2) has no --parallel (7.66 or later)" >&2
  exit 1
fi

# --- the server ---------------------------------------------------------------------------------
start_file_server "$N" "${BENCH_CLI_NO_NGINX:-}"

# --- inputs ---------------------------------------------------------------------------------------
ORIGIN="http://127.0.0.1:$PORT"
node -e "
  const fs = require('node:fs')
  let urls = '', cfg = ''
  for (let i = 0; i < $N; i++) {
    urls += '$ORIGIN/f/' + i + '\n'
    cfg += 'url = \"$ORIGIN/f/' + i + '\"\noutput = \"/dev/null\"\n'
  }
  fs.writeFileSync('$TMP/urls.txt', urls)
  fs.writeFileSync('$TMP/curl.cfg', cfg)
"

# --- the contenders -------------------------------------------------------------------------------
# Each prints its wall time in ms on fd 3 (start-up included) and checks its own output after
# the clock stops: a wrong answer fails the run, a slow one only misses the target.
now_ns() { date +%s%N; }

run_cli() {
  rm -f "$TMP/out.jsonl"
  local start end
  start="$(now_ns)"
  # shellcheck disable=SC2086
  node ${BENCH_CLI_NODE_ARGS:-} dist/cli/main.js fetch -i "$TMP/urls.txt" -o "$TMP/out.jsonl" \
    --concurrency "$CONCURRENCY" --body none --quiet ||
    { echo "asyncwith fetch exited with $?" >&2; return 1; }
  end="$(now_ns)"
  echo $(((end - start) / 1000000)) >&3
  node -e "
    const lines = require('node:fs').readFileSync('$TMP/out.jsonl', 'utf8').split('\n').filter(Boolean)
    if (lines.length !== $N) { console.error('asyncwith fetch wrote ' + lines.length + ' records, expected $N'); process.exit(1) }
    const seen = new Set()
    for (const line of lines) {
      const record = JSON.parse(line)
      if (record.status !== 200) { console.error('asyncwith fetch: not 200: ' + line); process.exit(1) }
      seen.add(record.url ?? record.input)
    }
    if (seen.size !== $N) { console.error('asyncwith fetch: ' + seen.size + ' distinct URLs, expected $N'); process.exit(1) }
  "
}

run_curl() {
  local start end
  start="$(now_ns)"
  "$CURL" --silent --show-error --no-progress-meter --noproxy '*' --parallel \
    --parallel-max "$CONCURRENCY" --write-out '%{http_code} %{size_download}\n' \
    --config "$TMP/curl.cfg" >"$TMP/curl.out" 2>"$TMP/curl.err" ||
    { cat "$TMP/curl.err" >&2; echo "curl failed" >&2; return 1; }
  end="$(now_ns)"
  echo $(((end - start) / 1000000)) >&3
  local good
  good="$(grep -c '^200 1024$' "$TMP/curl.out" || true)"
  [ "$good" = "$N" ] || { echo "curl: $good of $N transfers were 200 with 1024 bytes" >&2; return 1; }
}

# The library alone, in a process of its own: what the CLI adds on top of client.fetchAll
# (reading the input, building and writing records, loading the CLI modules).
cat >"$TMP/fetch-all.mjs" <<EOF
import { readFileSync } from 'node:fs'
import { HttpClient } from '$PWD/dist/http/index.js'
const urls = readFileSync(process.argv[2], 'utf8').split(/\\n/).filter(Boolean)
const client = new HttpClient({ retry: { limit: 2 } })
let good = 0
for await (const outcome of client.fetchAll(urls, { concurrency: $CONCURRENCY, read: 'none' })) {
  if (outcome.ok && outcome.status === 200 && outcome.size === 1024) good++
}
await client.close()
if (good !== urls.length) {
  console.error('fetchAll: ' + good + ' of ' + urls.length + ' were 200 with 1024 bytes')
  process.exit(1)
}
EOF
run_fetch_all() {
  local start end
  start="$(now_ns)"
  # shellcheck disable=SC2086
  node ${BENCH_CLI_NODE_ARGS:-} "$TMP/fetch-all.mjs" "$TMP/urls.txt"
  end="$(now_ns)"
  echo $(((end - start) / 1000000)) >&3
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "Server: $SERVER_DESC"
echo "Client: Node $(node -p process.versions.node), $("$CURL" --version | head -n1 | cut -d' ' -f1-2), $(nproc) CPUs"
echo "Work:   $N URLs of 1 KiB, concurrency $CONCURRENCY, $ROUNDS interleaved rounds after one warm-up each"
echo

echo "warm-up" >&2
run_cli 3>/dev/null
run_curl 3>/dev/null
run_fetch_all 3>/dev/null

: >"$TMP/cli.ms"
: >"$TMP/curl.ms"
: >"$TMP/fetch-all.ms"
for round in $(seq "$ROUNDS"); do
  run_cli 3>>"$TMP/cli.ms"
  run_curl 3>>"$TMP/curl.ms"
  run_fetch_all 3>>"$TMP/fetch-all.ms"
  echo "round $round: asyncwith fetch $(tail -n1 "$TMP/cli.ms") ms," \
    "curl $(tail -n1 "$TMP/curl.ms") ms, fetchAll alone $(tail -n1 "$TMP/fetch-all.ms") ms" >&2
done

CLI_MS="$(median <"$TMP/cli.ms")"
CURL_MS="$(median <"$TMP/curl.ms")"
FETCH_ALL_MS="$(median <"$TMP/fetch-all.ms")"
RATIO="$(awk -v a="$CLI_MS" -v b="$CURL_MS" 'BEGIN { printf "%.2f", a / b }')"
MET="$(awk -v r="$RATIO" -v t="$TARGET" 'BEGIN { print (r <= t) ? "met" : "missed" }')"

row() { # label, runs file, median ms
  local best
  best="$(sort -n "$2" | head -n1)"
  printf '| %s | %s | %s | %s |\n' "$1" "$3" "$best" \
    "$(awk -v n="$N" -v ms="$3" 'BEGIN { printf "%\047d", n / ms * 1000 }')"
}
echo "| command | median ms | best ms | median req/s |"
echo "| --- | ---: | ---: | ---: |"
row "asyncwith fetch -o out.jsonl --concurrency $CONCURRENCY --body none --quiet" "$TMP/cli.ms" "$CLI_MS"
row "curl --parallel --parallel-max $CONCURRENCY (to /dev/null)" "$TMP/curl.ms" "$CURL_MS"
row "baseline: client.fetchAll(urls, { concurrency: $CONCURRENCY, read: 'none' }) alone" \
  "$TMP/fetch-all.ms" "$FETCH_ALL_MS"
echo
echo "asyncwith fetch / curl wall time: ${RATIO}x (target <= ${TARGET}x: $MET)"
echo "asyncwith fetch / fetchAll alone: $(awk -v a="$CLI_MS" -v b="$FETCH_ALL_MS" 'BEGIN { printf "%.2f", a / b }')x" \
  "(what the CLI adds over the library)"
