/**
 * nginx with TLS on a loopback port, for the tests that need a real HTTP/2 server: started
 * from a config written into a temp dir, with the self-signed certificate in
 * `test/_helpers/tls` (valid for 127.0.0.1 and localhost). `/files/…` serves static files
 * written by {@link startNginx}; every other path is proxied, buffering off, to `upstream`
 * (such as the misbehaving test server of `http-server.ts`), so its routes (slow, stalled,
 * flaky, big …) are reached over HTTP/2. `close()` stops nginx and removes the temp dir.
 *
 * Debian's nginx 1.22 spells HTTP/2 as `listen … ssl http2` (`http2 on;` came in 1.25.1);
 * the helper writes whichever this nginx understands.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const TLS_DIR = fileURLToPath(new URL('./tls/', import.meta.url))

/** The nginx binary, or undefined when it is not installed (`.ci/run` installs it). */
export function findNginx(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx']) {
    if (existsSync(candidate)) return candidate
  }
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

function nginxVersion(binary: string): [number, number] {
  // nginx -v prints to stderr.
  const result = spawnSync(binary, ['-v'], { encoding: 'utf8' })
  const text = `${result.stdout}${result.stderr}`
  const match = /nginx\/(\d+)\.(\d+)/.exec(text)
  return match === null ? [0, 0] : [Number(match[1]), Number(match[2])]
}

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface NginxOptions {
  /** Offer HTTP/2 by ALPN. */
  readonly http2?: boolean
  /** `host:port` of an HTTP/1.1 server for every path outside `/files/`. */
  readonly upstream?: string
  /** Files served at `/files/<name>`. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>
  /** Requests per connection before nginx closes it (HTTP/2: a GOAWAY). */
  readonly keepaliveRequests?: number
  /** Extra directives inside `server { }`. */
  readonly extra?: string
}

export interface Nginx extends AsyncDisposable {
  /** `https://127.0.0.1:port`. */
  readonly origin: string
  readonly port: number
  /**
   * The access log's lines: `$request $status $server_protocol $connection`. nginx writes a
   * line after the response is sent, so a client can be done before it: with `atLeast`, waits
   * (up to 5 s) until there are that many lines.
   */
  log(atLeast?: number): Promise<string[]>
  close(): Promise<void>
}

/** Starts nginx on a free loopback port; throws when nginx is missing or does not start. */
export async function startNginx(options: NginxOptions = {}): Promise<Nginx> {
  const binary = findNginx()
  if (binary === undefined) throw new Error('nginx is not installed')
  const [major, minor] = nginxVersion(binary)
  const modernHttp2 = major > 1 || (major === 1 && minor >= 25)
  const dir = mkdtempSync(join(tmpdir(), 'asyncwith-nginx-'))
  mkdirSync(join(dir, 'files'))
  // nginx's workers run as nobody when the tests run as root.
  chmodSync(dir, 0o755)
  for (const [name, content] of Object.entries(options.files ?? {})) {
    writeFileSync(join(dir, 'files', name), content)
  }
  for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(join(dir, temp))
  const port = await freePort()
  const http2 = options.http2 === true
  const listen = `listen 127.0.0.1:${port} ssl${http2 && !modernHttp2 ? ' http2' : ''};`
  const upstream =
    options.upstream === undefined
      ? 'return 404;'
      : `proxy_pass http://${options.upstream}; proxy_buffering off; proxy_request_buffering off;
         proxy_http_version 1.1; proxy_set_header Connection ""; proxy_read_timeout 600s;`
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  log_format combined_min '$request $status $server_protocol $connection';
  access_log ${dir}/access.log combined_min;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
  keepalive_requests ${options.keepaliveRequests ?? 1000};
  server {
    ${listen}
    ${http2 && modernHttp2 ? 'http2 on;' : ''}
    ssl_certificate ${TLS_DIR}cert.pem;
    ssl_certificate_key ${TLS_DIR}key.pem;
    location /files/ { root ${dir}; }
    location / { ${upstream} }
    ${options.extra ?? ''}
  }
}
`,
  )
  const conf = join(dir, 'nginx.conf')
  const child: ChildProcess = spawn(
    binary,
    ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf, '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = once(child, 'exit')
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  // Wait until it accepts connections.
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) break
    if (child.exitCode !== null || i > 100) {
      await stop()
      throw new Error(`nginx did not start: ${stderr.trim()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  let closed: Promise<void> | undefined
  const close = () => {
    closed ??= stop()
    return closed
  }
  return {
    origin: `https://127.0.0.1:${port}`,
    port,
    async log(atLeast = 0) {
      const path = join(dir, 'access.log')
      for (let i = 0; ; i++) {
        const lines = existsSync(path)
          ? readFileSync(path, 'utf8')
              .split('\n')
              .filter((line) => line !== '')
          : []
        if (lines.length >= atLeast || i >= 100) return lines
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}
