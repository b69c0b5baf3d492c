#!/usr/bin/env bash
# HTTPS throughput benchmark: asyncwith's fetchAll and CLI against raw undici and
# curl --parallel --cacert, over loopback against one nginx with a self-signed certificate:
# keep-alive, a new connection per request (keepAlive: false, curl --no-keepalive), and
# HTTP/2 (nginx offers h2 by ALPN; curl --http2). Reports req/s and client CPU.
#
#   npm run bench:https            (or: bash scripts/bench-https.sh)
#
# The certificate (P-256, for 127.0.0.1) is made with openssl at run time in a temp dir,
# which is removed on exit. Server setup as bench-http.sh (scripts/_bench-server.sh): nginx,
# installed with apt-get when missing and run as root, else a node:http2 fallback (said so).
# Knobs: BENCH_HTTPS_N (20000), BENCH_HTTPS_WARMUP (2000), BENCH_HTTPS_ROUNDS (3),
# BENCH_HTTPS_CONCURRENCY (64), BENCH_HTTPS_ONLY (ids, such as fetchAll,undici,curl),
# BENCH_HTTPS_NO_NGINX=1 (fallback server), BENCH_HTTPS_NODE_ARGS (extra node flags).
set -euo pipefail

cd "$(dirname "$0")/.."
N="${BENCH_HTTPS_N:-20000}"
WARMUP="${BENCH_HTTPS_WARMUP:-2000}"
FILES=$((N > WARMUP ? N : WARMUP))

BENCH_NAME=bench-https
# shellcheck source=scripts/_bench-server.sh
source scripts/_bench-server.sh

start_file_server "$FILES" "${BENCH_HTTPS_NO_NGINX:-}" tls

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

# Measure what users run: the tsc build.
npm run build >/dev/null
BENCH_HTTPS_BASE="https://127.0.0.1:$PORT" \
  BENCH_HTTPS_CA="$CERT" \
  BENCH_HTTPS_SERVER="$SERVER_DESC" \
  BENCH_HTTPS_TMP="$TMP" \
  BENCH_HTTPS_CURL="$CURL" BENCH_HTTPS_CURL_SKIP="$CURL_SKIP" \
  BENCH_HTTPS_CLI="$PWD/dist/cli/main.js" \
  BENCH_HTTPS_IMPORT="${BENCH_HTTPS_IMPORT:-$PWD/dist/http/index.js}" \
  node --expose-gc ${BENCH_HTTPS_NODE_ARGS:-} --import tsx bench/https.bench.ts
