/**
 * Debian's tinyproxy on a loopback port, for proxy tests against a real proxy: started in the
 * foreground from a config in a temp dir (`Listen 127.0.0.1`, `Allow 127.0.0.1`, optional
 * `BasicAuth`), stopped and cleaned up by `close()`. tinyproxy answers a CONNECT it cannot
 * complete with 500 ("Unable to connect"), and a missing or wrong login with 407.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The tinyproxy binary, or undefined when it is not installed (`.ci/run` installs it). */
export function findTinyproxy(): string | undefined {
  for (const candidate of [
    '/usr/bin/tinyproxy',
    '/usr/sbin/tinyproxy',
    '/usr/local/bin/tinyproxy',
  ]) {
    if (existsSync(candidate)) return candidate
  }
  try {
    return (
      execFileSync('sh', ['-c', 'command -v tinyproxy'], { encoding: 'utf8' }).trim() || undefined
    )
  } catch {
    return undefined
  }
}

export interface Tinyproxy extends AsyncDisposable {
  readonly port: number
  /** `http://127.0.0.1:port`, without credentials. */
  readonly url: string
  close(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Starts tinyproxy; `auth` is `user:password` for its `BasicAuth`. */
export async function startTinyproxy(options: { auth?: string } = {}): Promise<Tinyproxy> {
  const binary = findTinyproxy()
  if (binary === undefined) throw new Error('tinyproxy is not installed')
  const dir = mkdtempSync(join(tmpdir(), 'asyncwith-tinyproxy-'))
  // tinyproxy drops to nobody when started as root, and must still write its log.
  chmodSync(dir, 0o777)
  const port = await freePort()
  const root = process.getuid?.() === 0
  const [user, password] = (options.auth ?? '').split(':')
  writeFileSync(
    join(dir, 'tinyproxy.conf'),
    [
      ...(root ? ['User nobody', 'Group nogroup'] : []),
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      'LogLevel Info',
      `LogFile "${join(dir, 'tinyproxy.log')}"`,
      'MaxClients 200',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
      ...(options.auth === undefined ? [] : [`BasicAuth ${user} ${password}`]),
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(binary, ['-d', '-c', join(dir, 'tinyproxy.conf')], {
    stdio: 'ignore',
  })
  const exited = once(child, 'exit')
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
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
      throw new Error('tinyproxy did not start')
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  let closed: Promise<void> | undefined
  const close = () => {
    closed ??= stop()
    return closed
  }
  return { port, url: `http://127.0.0.1:${port}`, close, [Symbol.asyncDispose]: close }
}
