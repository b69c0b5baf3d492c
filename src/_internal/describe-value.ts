// The one way asyncwith renders a received value in an error message: "`text` (type)".

/** Longest rendered text; a longer string is cut so a message stays one readable line. */
const MAX_TEXT = 80

/**
 * Renders `value` for an error message as "`text` (type)", never throwing and never running
 * user code: a function shows as `function name` (or `[Function]` when anonymous), never its
 * source; an object shows its class, never its `toString()`.
 *
 * @example
 * describeValue(0) // "`0` (number)"
 * describeValue({}) // "`[object Object]` (object)"
 */
export function describeValue(value: unknown): string {
  return `\`${textOf(value)}\` (${value === null ? 'null' : typeof value})`
}

function textOf(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value
    case 'function':
      return value.name ? `function ${value.name}` : '[Function]'
    case 'symbol':
      return value.toString()
    case 'object': {
      if (value === null) return 'null'
      // A date shows its time. Reading `constructor` can run a getter or hit a revoked proxy:
      // then the plain tag.
      try {
        if (value instanceof Date) {
          const time = value.getTime()
          return Number.isNaN(time) ? 'Invalid Date' : new Date(time).toISOString()
        }
        const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name
        return typeof name === 'string' && name !== '' ? `[object ${name}]` : '[object Object]'
      } catch {
        return '[object Object]'
      }
    }
    default:
      return String(value)
  }
}
