import { describe, expect, it } from 'vitest'
import {
  FETCH_DEFAULTS,
  FETCH_OPTION_NAMES,
  type FetchOptions,
  HELP,
  parseCommand,
  parseDuration,
  parseRate,
  parseSize,
} from '../../src/cli/args.js'
import { UsageError } from '../../src/cli/errors.js'
import { usageErrorOf } from '../../src/cli/parse-error.js'
import { DEFAULTS } from '../../src/http/_options.js'
import { runCli } from '../_helpers/cli.js'

function fetchOptions(args: string[]): FetchOptions {
  const command = parseCommand(['fetch', ...args])
  if (command.kind !== 'fetch') throw new Error(`Expected fetch, got ${command.kind}`)
  return command.options
}

function usageMessage(args: string[]): string {
  try {
    parseCommand(args)
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as Error).message
  }
  throw new Error(`Expected a UsageError for ${args.join(' ')}`)
}

describe('parseCommand()', () => {
  it('parses every fetch option into typed values', () => {
    const options = fetchOptions([
      '-i',
      'urls.txt',
      '-o',
      'out.jsonl',
      '--resume',
      '--ordered',
      '--body',
      'base64',
      '-q',
      '-X',
      'head',
      '-H',
      'Accept: text/html',
      '-H',
      'X-Key:  a: b ',
      '--concurrency',
      '64',
      '--per-host',
      '4',
      '--rate',
      '10/s',
      '--retries',
      '0',
      '--timeout',
      '1.5s',
      '--max-body',
      '2M',
      '-d',
      'a=1',
      '--proxy',
      'proxy.test:3128',
      '--noproxy',
      '.corp,10.0.0.0/8',
      '--http2',
      '--cacert',
      'ca.pem',
    ])
    expect(options).toEqual({
      urls: [],
      input: 'urls.txt',
      output: 'out.jsonl',
      resume: true,
      ordered: true,
      body: 'base64',
      bodyDir: undefined,
      quiet: true,
      method: 'HEAD',
      headers: { accept: 'text/html', 'x-key': 'a: b' },
      concurrency: 64,
      perHost: 4,
      rate: { rate: 10, per: 1000 },
      retries: 0,
      timeout: 1500,
      maxBody: 2 * 1024 * 1024,
      data: 'a=1',
      dataFile: undefined,
      cacert: 'ca.pem',
      proxy: 'http://proxy.test:3128/',
      noProxy: '.corp,10.0.0.0/8',
      http2: true,
      insecure: false,
    })
  })

  it('parses --data-file and --insecure', () => {
    expect(fetchOptions(['--data-file', 'q.json', '--insecure', 'u'])).toMatchObject({
      data: undefined,
      dataFile: 'q.json',
      insecure: true,
    })
  })

  it('leaves undefined every setting the user did not give, so the http defaults apply', () => {
    const options = fetchOptions(['https://a.test/'])
    for (const key of [
      'concurrency',
      'perHost',
      'retries',
      'timeout',
      'maxBody',
      'method',
    ] as const) {
      expect(options[key], key).toBeUndefined()
    }
  })

  it("reads the proxy from the environment by default, and --proxy '' as none", () => {
    expect(fetchOptions(['https://a.test/']).proxy).toBe('env')
    expect(fetchOptions(['--proxy', '', 'https://a.test/']).proxy).toBe(false)
  })

  it.each([
    [
      '--proxy',
      'ftp://proxy.test',
      "--proxy must be an http: or https: URL such as http://proxy:3128, got 'ftp://proxy.test'",
    ],
    ['--cacert', '', 'empty file name for --cacert'],
  ])('rejects %s %j with a usage error', (flag, value, message) => {
    expect(() => fetchOptions([flag, value, 'https://a.test/'])).toThrow(message)
  })

  it('uses the defaults when only URLs are given', () => {
    expect(fetchOptions(['https://a.test/'])).toEqual({
      ...FETCH_DEFAULTS,
      urls: ['https://a.test/'],
    })
  })

  it('accepts - as the input file (stdin)', () => {
    expect(fetchOptions(['-i', '-']).input).toBe('-')
  })

  it('turns bodies off inline when --body-dir is given', () => {
    const options = fetchOptions(['--body-dir', 'bodies', 'https://a.test/'])
    expect(options).toMatchObject({ bodyDir: 'bodies', body: 'none' })
  })

  it('returns help for --help, -h, and fetch --help', () => {
    expect(parseCommand(['--help'])).toEqual({ kind: 'help' })
    expect(parseCommand(['-h'])).toEqual({ kind: 'help' })
    expect(parseCommand(['fetch', '--help'])).toEqual({ kind: 'help' })
    expect(parseCommand(['fetch', '--bogus', '--help'])).toEqual({ kind: 'help' })
  })

  it('dispatches demo with its arguments', () => {
    expect(parseCommand(['demo'])).toEqual({ kind: 'demo', args: [] })
  })

  it.each([
    [[], 'missing command: fetch or demo'],
    [['get'], "unknown command 'get': use fetch, failed or demo"],
    [['failed'], 'failed needs the records file of a run: asyncwith failed out.jsonl'],
    [
      ['fetch', '-d', 'x', '--data-file', 'f', 'u'],
      '-d and --data-file cannot be combined: give the body one way',
    ],
    [
      ['fetch', '--cacert', 'ca.pem', '--insecure', 'u'],
      '--cacert and --insecure cannot be combined: --insecure trusts any certificate',
    ],
    [['fetch', '--output'], '--output needs a value'],
    [['fetch', '-qz', 'u'], "unknown option '-z'"],
    [['fetch'], 'no URLs: give them as arguments, or with -i FILE (- reads stdin)'],
    [['fetch', '--bogus', 'u'], "unknown option '--bogus'"],
    [['fetch', '-i'], '--input needs a value'],
    [['fetch', '--ordered=yes', 'u'], '--ordered takes no value'],
    [['fetch', '-i', 'f', 'u'], "give URLs as arguments or with --input, not both (got 'u')"],
    [['fetch', '--resume', 'u'], '--resume needs -o FILE: it continues the records in that file'],
    [['fetch', '--body', 'hex', 'u'], "--body must be text, base64 or none, got 'hex'"],
    [
      ['fetch', '--body', 'text', '--body-dir', 'd', 'u'],
      '--body and --body-dir cannot be combined: --body-dir writes bodies to files',
    ],
    [
      ['fetch', '--concurrency', '0', 'u'],
      "--concurrency must be a whole number from 1 to 100000, got '0'",
    ],
    [
      ['fetch', '--concurrency', '2.5', 'u'],
      "--concurrency must be a whole number from 1 to 100000, got '2.5'",
    ],
    [
      ['fetch', '--per-host', 'x', 'u'],
      "--per-host must be a whole number from 1 to 100000, got 'x'",
    ],
    [
      ['fetch', '--retries', '-1', 'u'],
      "--retries needs a value; for one starting with '-', write --retries=VALUE",
    ],
    [['fetch', '--retries=-1', 'u'], "--retries must be a whole number from 0 to 100, got '-1'"],
    [
      ['fetch', '--timeout', '0', 'u'],
      "--timeout must be a positive time such as 500ms, 30s or 2m, got '0'",
    ],
    [
      ['fetch', '--timeout', '5 sec', 'u'],
      "--timeout must be a positive time such as 500ms, 30s or 2m, got '5 sec'",
    ],
    [['fetch', '--rate', '10', 'u'], "--rate must look like 10/s, 600/m or 5/500ms, got '10'"],
    [['fetch', '--rate', '0/s', 'u'], "--rate must look like 10/s, 600/m or 5/500ms, got '0/s'"],
    [
      ['fetch', '--max-body', '10X', 'u'],
      "--max-body must be a size such as 500K, 10M or 1G, got '10X'",
    ],
    [['fetch', '-H', 'NoColon', 'u'], "-H must look like 'Name: value', got 'NoColon'"],
    [['fetch', '-o', '-', 'u'], '--output needs a file name (records go to stdout without it)'],
  ])('rejects %j with a one-line reason', (args, message) => {
    const text = usageMessage(args)
    expect(text).toBe(message)
    expect(text).not.toContain('\n')
  })
})

describe('-X and -H are checked as the http layer checks them, before any request', () => {
  it.each([
    [['-X', 'GE T']],
    [['-X', 'CONNECT']],
    [['-X', 'trace']],
    [['-H', 'Bad Name: v']],
    [['-H', 'Transfer-Encoding: chunked']],
    [['-H', 'Expect: 100-continue']],
    [['-H', 'Keep-Alive: 5']],
  ])('refuses %j with one line naming the value', (args) => {
    const text = usageMessage(['fetch', ...args, 'u'])
    expect(text).toMatch(/^-[XH] '.+' cannot be sent: \S/)
    expect(text).toContain(args[1]!)
    expect(text).not.toContain('\n')
  })

  it('accepts ordinary methods and headers', () => {
    expect(fetchOptions(['-X', 'patch', '-H', 'X-A: 1', 'u'])).toMatchObject({
      method: 'PATCH',
      headers: { 'x-a': '1' },
    })
  })

  it('sends a method outside the standard ones as given: methods are case-sensitive', () => {
    expect(fetchOptions(['-X', 'purge', 'u']).method).toBe('purge')
    expect(fetchOptions(['-X', 'PURGE', 'u']).method).toBe('PURGE')
  })
})

describe('usageErrorOf()', () => {
  const options = { output: { type: 'string', short: 'o' }, quiet: { type: 'boolean' } } as const
  // Only the code: a message in any language (or none) gives the same answer.
  const thrown = (code: string) => Object.assign(new Error('ignored text'), { code })

  it.each([
    ['ERR_PARSE_ARGS_UNKNOWN_OPTION', ['--quiet', '--nope'], "unknown option '--nope'"],
    ['ERR_PARSE_ARGS_INVALID_OPTION_VALUE', ['-o'], '--output needs a value'],
    ['ERR_PARSE_ARGS_INVALID_OPTION_VALUE', ['--quiet=1'], '--quiet takes no value'],
    [
      'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
      ['-o', '-x'],
      "--output needs a value; for one starting with '-', write -oVALUE",
    ],
    ['ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL', ['-o', 'f', 'extra'], "unexpected argument 'extra'"],
  ])('maps %s over %j by its code alone', (code, args, message) => {
    const error = usageErrorOf(thrown(code), args, options)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as Error).message).toBe(message)
  })

  it('returns anything that is not a parseArgs error unchanged', () => {
    const other = new TypeError('boom')
    expect(usageErrorOf(other, [], options)).toBe(other)
  })
})

describe('value parsers', () => {
  it('parses durations in ms, s, m and h', () => {
    expect([
      parseDuration('250'),
      parseDuration('250ms'),
      parseDuration('2s'),
      parseDuration('1m'),
    ]).toEqual([250, 250, 2000, 60_000])
  })

  it('parses rates per unit and per multiple of a unit', () => {
    expect(parseRate('600/m')).toEqual({ rate: 600, per: 60_000 })
    expect(parseRate('5/500ms')).toEqual({ rate: 5, per: 500 })
    expect(parseRate('1/h')).toEqual({ rate: 1, per: 3_600_000 })
  })

  it('parses sizes with 1024-based units', () => {
    expect([
      parseSize('0'),
      parseSize('1K'),
      parseSize('1.5KiB'),
      parseSize('3m'),
      parseSize('1G'),
    ]).toEqual([0, 1024, 1536, 3 * 1024 ** 2, 1024 ** 3])
  })
})

describe('HELP', () => {
  it('lists every fetch option, each followed by an example', () => {
    const lines = HELP.split('\n')
    for (const name of FETCH_OPTION_NAMES) {
      const at = lines.findIndex(
        (line) => line.includes(`--${name}`) && /^\s+(-\w, )?--/.test(line),
      )
      expect(at, `--${name} is listed`).toBeGreaterThan(-1)
      const example = lines
        .slice(at + 1, at + 6)
        .find((line) => line.trim().startsWith('asyncwith '))
      expect(example, `--${name} has an example`).toBeDefined()
    }
  })

  it("states the http layer's own defaults, not copies of them", () => {
    expect(HELP).toContain(`(default ${DEFAULTS.retry.limit})`)
    expect(HELP).toContain(`connecting has ${DEFAULTS.timeout.connect / 1000}s`)
    expect(HELP).toContain(`headers ${DEFAULTS.timeout.headers / 1000}s`)
    expect(HELP).toContain(`pause ${DEFAULTS.timeout.body / 1000}s`)
    expect(HELP).toContain(`(default ${DEFAULTS.maxBodySize / 1024 ** 2}M)`)
  })

  it('names body files as they are named: the line, then 12 hex digits of a SHA-1', () => {
    expect(HELP).toContain('NNNNNN-HHHHHHHHHHHH.body')
    expect(HELP).toContain('12 hex digits of a SHA-1')
    expect(HELP).toContain('NODE_EXTRA_CA_CERTS')
  })

  it('documents the exit statuses and what counts as ok', () => {
    expect(HELP).toContain('status < 400')
    expect(HELP).toMatch(/0 every URL ok, 1 some failed/)
    expect(HELP).toContain('2 usage error')
    expect(HELP).toContain('130 interrupted')
  })
})

describe('asyncwith (usage)', () => {
  it('exits 2 with one line of reason and a pointer to --help', async () => {
    const { code, stdout, stderr } = await runCli([
      'fetch',
      '--concurrency',
      'lots',
      'https://a.test/',
    ])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      "asyncwith: --concurrency must be a whole number from 1 to 100000, got 'lots'\nTry 'asyncwith --help'.\n",
    )
  })

  it('exits 2 for a missing input file', async () => {
    const { code, stderr } = await runCli(['fetch', '-i', 'no/such/file.txt'])
    expect(code).toBe(2)
    expect(stderr).toBe(
      "asyncwith: cannot read 'no/such/file.txt': no such file\nTry 'asyncwith --help'.\n",
    )
  })

  it('exits 2 with one usage line for -X CONNECT and -H transfer-encoding, before any request', async () => {
    // The URL's port is closed: a request made anyway would be a record, not exit 2.
    for (const args of [
      ['-X', 'CONNECT'],
      ['-H', 'transfer-encoding: chunked'],
    ]) {
      const { code, stdout, stderr } = await runCli(['fetch', ...args, 'http://127.0.0.1:9/'])
      expect(code).toBe(2)
      expect(stdout).toBe('')
      expect(stderr).toMatch(
        /^asyncwith: -[XH] '[^\n]+' cannot be sent: [^\n]+\nTry 'asyncwith --help'\.\n$/,
      )
    }
  })

  it("points demo's mistakes to asyncwith demo --help, in the same words as fetch", async () => {
    const demo = await runCli(['demo', '--nope'])
    expect(demo.code).toBe(2)
    expect(demo.stdout).toBe('')
    expect(demo.stderr).toBe("asyncwith: unknown option '--nope'\nTry 'asyncwith demo --help'.\n")
    const fetch = await runCli(['fetch', '--nope', 'u'])
    expect(fetch.stderr).toBe("asyncwith: unknown option '--nope'\nTry 'asyncwith --help'.\n")
  })

  it('says no such directory for an -o in a missing directory, as friendly as -i', async () => {
    const { code, stderr } = await runCli([
      'fetch',
      '-o',
      'no/such/dir/out.jsonl',
      'http://127.0.0.1:9/',
    ])
    expect(code).toBe(2)
    expect(stderr).toBe(
      "asyncwith: cannot write 'no/such/dir/out.jsonl': no such directory 'no/such/dir'\nTry 'asyncwith --help'.\n",
    )
  })

  it('prints the help with every option on --help and exits 0', async () => {
    const { code, stdout } = await runCli(['--help'])
    expect(code).toBe(0)
    expect(stdout).toBe(HELP)
  })

  it('prints the version of package.json on --version', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default
    const { code, stdout } = await runCli(['--version'])
    expect(code).toBe(0)
    expect(stdout).toBe(`${version}\n`)
  })
})
