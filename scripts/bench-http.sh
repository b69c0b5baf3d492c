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

# Loopback only: no proxy may carry a request anywhere else.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY='*' no_proxy='*'

is_root() { [ "$(id -u)" = 0 ]; }
apt_updated=0
apt_install() {
  is_root && command -v apt-get >/dev/null || return 1
  if [ "$apt_updated" = 0 ]; then
    echo "apt-get update" >&2
    apt-get update -qq >/dev/null 2>&1 || return 1
    apt_updated=1
  fi
  echo "apt-get install -y $*" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
    >/dev/null 2>&1
}

TMP="$(mktemp -d "${TMPDIR:-/tmp}/asyncwith-bench-http.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

wait_for_port() { # port: waits up to 10 s for something to accept on 127.0.0.1:port
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# --- the server -------------------------------------------------------------------------------
NGINX="$(command -v nginx || true)"
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
if [ -n "${BENCH_HTTP_NO_NGINX:-}" ]; then
  NGINX="" # forces the node:http fallback, to test it
elif [ -z "$NGINX" ]; then
  if apt_install nginx-light || apt_install nginx; then
    NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
  fi
fi

SERVER_DESC=""
if [ -n "$NGINX" ] && [ -x "$NGINX" ]; then
  # 20,000 (or N) files of exactly 1 KiB each, readable by nginx's unprivileged workers.
  mkdir -p "$TMP/www/f" "$TMP/client_body" "$TMP/proxy" "$TMP/fastcgi" "$TMP/uwsgi" "$TMP/scgi"
  node -e "
    const fs = require('node:fs')
    const body = Buffer.alloc(1024, 'abcdefghijklmnopqrstuvwxyz0123456789\n')
    for (let i = 0; i < $FILES; i++) fs.writeFileSync('$TMP/www/f/' + i, body)
  "
  chmod -R a+rX "$TMP"
  PORT="$(free_port)"
  cat >"$TMP/nginx.conf" <<EOF
worker_processes 2;
pid $TMP/nginx.pid;
error_log $TMP/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65s;
  keepalive_requests 100000;
  client_body_temp_path $TMP/client_body;
  proxy_temp_path $TMP/proxy;
  fastcgi_temp_path $TMP/fastcgi;
  uwsgi_temp_path $TMP/uwsgi;
  scgi_temp_path $TMP/scgi;
  server {
    listen 127.0.0.1:$PORT;
    root $TMP/www;
    location /f/ { }
  }
}
EOF
  "$NGINX" -p "$TMP" -e "$TMP/error.log" -c "$TMP/nginx.conf" -g 'daemon off;' &
  SERVER_PID=$!
  if wait_for_port "$PORT"; then
    SERVER_DESC="$("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), 2 workers, $FILES files of 1 KiB"
  else
    echo "nginx did not start:" >&2
    cat "$TMP/error.log" >&2 || true
    kill "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
fi

if [ -z "$SERVER_DESC" ]; then
  echo "NOTE: nginx is not available; falling back to a node:http server in a child process." >&2
  echo "NOTE: its numbers are not comparable with nginx runs (one single-threaded server)." >&2
  cat >"$TMP/server.mjs" <<'EOF'
import http from 'node:http'
const files = Number(process.argv[2])
const body = Buffer.alloc(1024, 'abcdefghijklmnopqrstuvwxyz0123456789\n')
const server = http.createServer((req, res) => {
  const match = /^\/f\/(\d+)$/.exec(req.url ?? '')
  if (match === null || Number(match[1]) >= files) {
    res.writeHead(404, { 'content-length': 0 }).end()
    return
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1024 })
  res.end(body)
})
server.keepAliveTimeout = 65_000
server.maxRequestsPerSocket = 0
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
process.on('SIGTERM', () => process.exit(0))
EOF
  node "$TMP/server.mjs" "$FILES" >"$TMP/port" &
  SERVER_PID=$!
  for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
  PORT="$(head -n1 "$TMP/port")"
  wait_for_port "$PORT" || { echo "the node:http fallback server did not start" >&2; exit 1; }
  SERVER_DESC="node:http fallback (nginx unavailable), Node $(node -p process.versions.node), 1 process"
fi

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
