# Shared by bench-http.sh and bench-cli.sh (sourced, after `cd` to the repository): a
# loopback-only environment, apt-get installs when root, a temp dir removed on exit, and
# `start_file_server FILES [no-nginx]`, which serves FILES files of 1 KiB at /f/0 … on
# 127.0.0.1 with nginx (installed with apt-get when missing), or else with a node:http
# server in a child process (and says so). It sets PORT, SERVER_PID and SERVER_DESC.

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

TMP="$(mktemp -d "${TMPDIR:-/tmp}/asyncwith-${BENCH_NAME:-bench}.XXXXXX")"
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

start_file_server() {
  local files="$1" no_nginx="${2:-}"
  NGINX="$(command -v nginx || true)"
  [ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
  if [ -n "$no_nginx" ]; then
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
      for (let i = 0; i < $files; i++) fs.writeFileSync('$TMP/www/f/' + i, body)
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
      SERVER_DESC="$("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), 2 workers, $files files of 1 KiB"
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
    node "$TMP/server.mjs" "$files" >"$TMP/port" &
    SERVER_PID=$!
    for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
    PORT="$(head -n1 "$TMP/port")"
    wait_for_port "$PORT" || { echo "the node:http fallback server did not start" >&2; exit 1; }
    SERVER_DESC="node:http fallback (nginx unavailable), Node $(node -p process.versions.node), 1 process"
  fi
}
