// A real redis-server for tests: its own temp dir, a unix socket (no port to clash), AOF with
// appendfsync always when asked. `restart` keeps the dir, so the AOF is loaded again.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RedisServer {
  readonly dir: string
  readonly socket: string
  /** A job URL on this server. */
  url(job: string): string
  /** Sends one command in the inline protocol and resolves to the raw reply text. */
  command(...args: string[]): Promise<string>
  kill(signal?: NodeJS.Signals): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

export async function startRedis(options: { aof?: boolean } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'aw-redis-'))
  const socket = join(dir, 'redis.sock')
  let child: ChildProcess | undefined
  const args = [
    '--port',
    '0',
    '--unixsocket',
    socket,
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.aof === true ? 'yes' : 'no',
    '--appendfsync',
    'always',
  ]
  const start = async (): Promise<void> => {
    const proc = spawn('redis-server', args, { stdio: 'ignore' })
    child = proc
    for (let i = 0; i < 500; i++) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`)
      if ((await send(socket, ['PING']).catch(() => '')).startsWith('+PONG')) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error('redis-server did not start')
  }
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const proc = child
    child = undefined
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill(signal)
    await exited
  }
  await start()
  return {
    dir,
    socket,
    url: (job) => `redis+unix://${socket}?job=${job}`,
    command: (...command) => send(socket, command),
    kill,
    start,
    async stop() {
      await kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** One command over RESP on a fresh connection; the reply's raw text. */
function send(path: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    let reply = ''
    socket.setEncoding('utf8')
    socket.on('error', reject)
    socket.on('connect', () => {
      socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
      )
    })
    socket.on('data', (chunk: string) => {
      reply += chunk
      if (reply.endsWith('\r\n')) {
        // Good enough for the small replies tests read; multi-line replies end with a CRLF too.
        socket.end()
        resolve(reply)
      }
    })
  })
}
