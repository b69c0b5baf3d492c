// One voice for command-line mistakes: Node's `parseArgs` errors become one short UsageError
// line. Only `error.code` is read, never Node's English text (which changes across versions):
// the offending argument is found again by a lenient pass over the same arguments.
import { parseArgs } from 'node:util'
import { UsageError } from './errors.js'

/** A `parseArgs` option table (the subset the CLI uses). */
export type OptionTable = Readonly<
  Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string }>
>

/**
 * The UsageError for what `parseArgs(strict)` threw over `args`; anything that is not a
 * `parseArgs` error is returned unchanged (to be rethrown).
 * @example
 * try { parseArgs({ args, options }) } catch (error) { throw usageErrorOf(error, args, options) }
 */
export function usageErrorOf(
  error: unknown,
  args: readonly string[],
  options: OptionTable,
): unknown {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return error
  const { tokens } = parseArgs({
    args: [...args],
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  })
  for (const token of tokens) {
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && token.kind === 'positional') {
      return new UsageError(`unexpected argument '${token.value}'`)
    }
    if (token.kind !== 'option') continue
    const option = options[token.name]
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option === undefined) {
      return new UsageError(`unknown option '${token.rawName}'`)
    }
    if (code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || option === undefined) continue
    const name = `--${token.name}`
    if (option.type === 'boolean' && token.inlineValue === true) {
      return new UsageError(`${name} takes no value`)
    }
    if (option.type === 'string' && token.value === undefined) {
      return new UsageError(`${name} needs a value`)
    }
    if (option.type === 'string' && token.inlineValue === false && token.value.startsWith('-')) {
      const form = token.rawName.startsWith('--')
        ? `${token.rawName}=VALUE`
        : `${token.rawName}VALUE`
      return new UsageError(`${name} needs a value; for one starting with '-', write ${form}`)
    }
  }
  return new UsageError(`cannot read the arguments (${code})`)
}
