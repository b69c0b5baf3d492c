#!/usr/bin/env bash
# HTTP throughput benchmark: asyncwith's HttpClient.fetchAll against raw undici, global fetch,
# got, Python aiohttp and curl --parallel, all over loopback against one local server.
#
#   npm run bench:http            (or: bash scripts/bench-http.sh)
#
# Starts nginx with a generated config in a temp dir (installing nginx-light with apt-get when
# missing and run as root); without nginx it falls back to a node:http server in a child
# process and says so. Serves 20,000 files of 1 KiB at /f/0 … /f/19999 on 127.0.0.1 only.
# Extra arguments are ignored; tune with BENCH_HTTP_N, BENCH_HTTP_ROUNDS,
# BENCH_HTTP_CONCURRENCY, BENCH_HTTP_WARMUP, BENCH_HTTP_ONLY (see bench/http.bench.ts); profile
# with BENCH_HTTP_ONLY=fetchAll BENCH_HTTP_NODE_ARGS='--cpu-prof --cpu-prof-dir=prof';
# BENCH_HTTP_NO_NGINX=1 forces the node:http fallback server.
set -euo pipefail

cd "$(dirname "$0")/.."
N="${BENCH_HTTP_N:-20000}"
WARMUP="${BENCH_HTTP_WARMUP:-2000}"
FILES=$((N > WARMUP ? N : WARMUP))

BENCH_NAME=bench-http
# shellcheck source=scripts/_bench-server.sh
source scripts/_bench-server.sh

# --- the server ---------------------------------------------------------------------------------
start_file_server "$FILES" "${BENCH_HTTP_NO_NGINX:-}"

# --- the peers outside Node ---------------------------------------------------------------------
PYTHON="" PYTHON_SKIP=""
find_aiohttp() {
  for candidate in /usr/bin/python3 "$(command -v python3 || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import aiohttp' 2>/dev/null; then
      PYTHON="$candidate"
      return 0
    fi
  done
  return 1
}
if ! find_aiohttp; then
  apt_install python3-aiohttp || true
  find_aiohttp || PYTHON_SKIP="skipped (python3-aiohttp not installed)"
fi
[ -n "$PYTHON_SKIP" ] && echo "aiohttp: $PYTHON_SKIP"

CURL="$(command -v curl || true)" CURL_SKIP=""
if [ -z "$CURL" ]; then
  apt_install curl || true
  CURL="$(command -v curl || true)"
fi
if [ -n "$CURL" ] && ! "$CURL" --help all 2>/dev/null | grep -q -- '--parallel-max'; then
  CURL_SKIP="skipped ($("$CURL" --version | head -n1 | cut -d' ' -f1-2) has no --parallel)"
  CURL=""
fi
[ -z "$CURL" ] && [ -z "$CURL_SKIP" ] && CURL_SKIP="skipped (curl not installed)"

# --- the run ------------------------------------------------------------------------------------
# Measure what users run: the tsc build (tsx adds a `__name` helper call to every closure).
if [ -z "${BENCH_HTTP_IMPORT:-}" ]; then
  npm run build >/dev/null
  export BENCH_HTTP_IMPORT="$PWD/dist/http/index.js"
fi
BENCH_HTTP_BASE="http://127.0.0.1:$PORT" \
  BENCH_HTTP_SERVER="$SERVER_DESC" \
  BENCH_HTTP_TMP="$TMP" \
  BENCH_HTTP_PYTHON="$PYTHON" BENCH_HTTP_PYTHON_SKIP="$PYTHON_SKIP" \
  BENCH_HTTP_CURL="$CURL" BENCH_HTTP_CURL_SKIP="$CURL_SKIP" \
  node --expose-gc ${BENCH_HTTP_NODE_ARGS:-} --import tsx bench/http.bench.ts
