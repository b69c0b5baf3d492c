# Shared by bench-http.sh, bench-https.sh and bench-cli.sh (sourced, after `cd` to the
# repository): a loopback-only environment, apt-get installs when root, a temp dir removed on
# exit, and `start_file_server FILES [no-nginx] [tls]`, which serves FILES files of 1 KiB at
# /f/0 … on 127.0.0.1 with nginx (installed with apt-get when missing), or else with a
# node:http server in a child process (and says so). It sets PORT, SERVER_PID and
# SERVER_DESC. With `tls`, it first makes a self-signed certificate for 127.0.0.1 with
# openssl into $TMP/cert.pem (CERT), and serves https: with HTTP/2 offered by ALPN beside
# HTTP/1.1 (the fallback is node:http2 with allowHTTP1).

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

make_cert() { # a throw-away self-signed P-256 certificate for 127.0.0.1 and localhost
  command -v openssl >/dev/null || apt_install openssl || { echo "openssl is missing" >&2; exit 1; }
  CERT="$TMP/cert.pem" CERT_KEY="$TMP/key.pem"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
    -keyout "$CERT_KEY" -out "$CERT" 2>/dev/null
  chmod a+r "$CERT" "$CERT_KEY"
}

start_file_server() {
  local files="$1" no_nginx="${2:-}" tls="${3:-}"
  local listen_extra="" server_extra="" scheme_desc=""
  if [ -n "$tls" ]; then
    make_cert
    scheme_desc=", TLS (self-signed P-256), HTTP/2 and HTTP/1.1 by ALPN"
  fi
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
    if [ -n "$tls" ]; then
      # nginx 1.25.1 and later spell it `http2 on;`; older ones `listen … ssl http2`.
      if "$NGINX" -V 2>&1 | grep -qE 'nginx/1\.(2[5-9]|[3-9][0-9])|nginx/[2-9]'; then
        listen_extra=" ssl" server_extra="http2 on;"
      else
        listen_extra=" ssl http2"
      fi
      server_extra="$server_extra ssl_certificate $CERT; ssl_certificate_key $CERT_KEY;"
    fi
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
      listen 127.0.0.1:$PORT$listen_extra;
      $server_extra
      root $TMP/www;
      location /f/ { }
    }
  }
EOF
    "$NGINX" -p "$TMP" -e "$TMP/error.log" -c "$TMP/nginx.conf" -g 'daemon off;' &
    SERVER_PID=$!
    if wait_for_port "$PORT"; then
      SERVER_DESC="$("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), 2 workers, $files files of 1 KiB$scheme_desc"
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
  import { readFileSync } from 'node:fs'
  import http from 'node:http'
  import http2 from 'node:http2'
  const files = Number(process.argv[2])
  const tls = process.argv[3] === 'tls'
  const body = Buffer.alloc(1024, 'abcdefghijklmnopqrstuvwxyz0123456789\n')
  const handle = (req, res) => {
    const match = /^\/f\/(\d+)$/.exec(req.url ?? '')
    if (match === null || Number(match[1]) >= files) {
      res.writeHead(404, { 'content-length': 0 }).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1024 })
    res.end(body)
  }
  const dir = process.argv[4]
  const server = tls
    ? http2.createSecureServer(
        { allowHTTP1: true, cert: readFileSync(`${dir}/cert.pem`), key: readFileSync(`${dir}/key.pem`) },
        handle,
      )
    : http.createServer(handle)
  server.keepAliveTimeout = 65_000
  server.maxRequestsPerSocket = 0
  server.listen(0, '127.0.0.1', () => console.log(server.address().port))
  process.on('SIGTERM', () => process.exit(0))
EOF
    node "$TMP/server.mjs" "$files" "${tls:+tls}" "$TMP" >"$TMP/port" &
    SERVER_PID=$!
    for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
    PORT="$(head -n1 "$TMP/port")"
    wait_for_port "$PORT" || { echo "the node:http fallback server did not start" >&2; exit 1; }
    SERVER_DESC="node:http fallback (nginx unavailable), Node $(node -p process.versions.node), 1 process$scheme_desc"
  fi
}
