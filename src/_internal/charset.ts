// Decoding a body by the `charset` of its `Content-Type`, as the WHATWG Encoding standard
// says browsers do. Node's TextDecoder gets one common case wrong: windows-1252 (which
// iso-8859-1, latin1 and us-ascii also mean) yields C1 controls for 0x80–0x9F instead of
// € ‚ ƒ „ … (nodejs/node#60888), so that one is decoded here.

/** Decodes whole bodies: no state is kept between calls. */
export interface Decoder {
  /** Decodes `bytes`; bytes invalid in the charset become U+FFFD, as in browsers. */
  decode(bytes: Uint8Array): string
}

interface Charset extends Decoder {
  /** Whether `bytes` decode with no replacement: a fatal `TextDecoder` would not throw. */
  isClean(bytes: Uint8Array): boolean
  /** One byte is one character: chunks decode one by one, with no state between them. */
  readonly singleByte?: true
}

/** Decodes a body chunk by chunk, keeping a character split between chunks whole. */
export interface StreamDecoder {
  /** Decodes `bytes`; with `stream: true`, an unfinished character waits for the next call. */
  decode(bytes?: Uint8Array, options?: { readonly stream?: boolean }): string
}

/** The labels WHATWG Encoding gives windows-1252 (https://encoding.spec.whatwg.org/#names-and-labels). */
const WINDOWS_1252_LABELS = [
  'ansi_x3.4-1968',
  'ascii',
  'cp1252',
  'cp819',
  'csisolatin1',
  'ibm819',
  'iso-8859-1',
  'iso-ir-100',
  'iso8859-1',
  'iso88591',
  'iso_8859-1',
  'iso_8859-1:1987',
  'l1',
  'latin1',
  'us-ascii',
  'windows-1252',
  'x-cp1252',
]

/**
 * Labels of the "replacement" encoding: charsets such as ISO-2022-KR that browsers refuse to
 * decode, because their escape sequences can hide markup. A body in one is a single U+FFFD.
 */
const REPLACEMENT_LABELS = [
  'csiso2022kr',
  'hz-gb-2312',
  'iso-2022-cn',
  'iso-2022-cn-ext',
  'iso-2022-kr',
  'replacement',
]

/**
 * What windows-1252 gives bytes 0x80–0x9F (WHATWG index-windows-1252). The five bytes
 * Windows leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) keep their C1 code point, as
 * WHATWG says; every other byte is its own code point.
 */
const WINDOWS_1252_HIGH =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
  '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178'

const windows1252: Charset = {
  decode(bytes) {
    // Latin-1 is right for every byte outside 0x80–0x9F.
    const latin1 = latin1Of(bytes)
    return /[\x80-\x9f]/.test(latin1)
      ? latin1.replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]!)
      : latin1
  },
  // Every byte has a character in windows-1252.
  isClean: () => true,
  singleByte: true,
}

/** Each byte as the code point of the same number (ISO-8859-1 proper), in chunks. */
function latin1Of(bytes: Uint8Array): string {
  let text = ''
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192))
  }
  return text
}

/** x-user-defined (WHATWG): ASCII, then bytes 0x80–0xFF to U+F780–U+F7FF. Node lacks it. */
const xUserDefined: Charset = {
  decode(bytes) {
    let text = ''
    for (let i = 0; i < bytes.length; i += 8192) {
      const chunk = Array.from(bytes.subarray(i, i + 8192), (b) => (b < 0x80 ? b : 0xf700 + b))
      text += String.fromCharCode(...chunk)
    }
    return text
  },
  isClean: () => true,
  singleByte: true,
}

const replacement: Charset = {
  decode: (bytes) => (bytes.length === 0 ? '' : '\uFFFD'),
  isClean: (bytes) => bytes.length === 0,
}

/** Charsets TextDecoder decodes, by canonical name, so that aliases share one. */
const _byEncoding = new Map<string, Charset>()

function _textDecoderCharset(label: string): Charset | undefined {
  let lenient: InstanceType<typeof TextDecoder>
  try {
    lenient = new TextDecoder(label)
  } catch {
    return undefined // Not a label Node knows (or an ICU-less build lacks it).
  }
  const known = _byEncoding.get(lenient.encoding)
  if (known !== undefined) return known
  let fatal: InstanceType<typeof TextDecoder> | undefined
  const charset: Charset = {
    decode: (bytes) => lenient.decode(bytes),
    isClean(bytes) {
      fatal ??= new TextDecoder(label, { fatal: true })
      try {
        fatal.decode(bytes)
        return true
      } catch {
        return false
      }
    },
  }
  _byEncoding.set(lenient.encoding, charset)
  return charset
}

const utf8 = _textDecoderCharset('utf-8')!

const _byLabel = new Map<string, Charset>()
for (const label of WINDOWS_1252_LABELS) _byLabel.set(label, windows1252)
for (const label of REPLACEMENT_LABELS) _byLabel.set(label, replacement)
_byLabel.set('x-user-defined', xUserDefined)
_byLabel.set('utf-8', utf8)
const FIXED_LABELS = _byLabel.size
/** Labels come from servers: past this many, the ones learned are forgotten. */
const MAX_LEARNED = 64

/**
 * The charset a label names, by WHATWG's rules: leading and trailing ASCII whitespace is
 * dropped and ASCII letters match in any case; a missing or unknown label means UTF-8.
 */
function _charset(label: string | undefined): Charset {
  if (label === undefined) return utf8
  // ASCII-only lower-casing: 'K' (Kelvin sign) must not turn into a 'k'.
  const key = label.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '').replace(/[A-Z]+/g, _lower)
  let charset = _byLabel.get(key)
  if (charset === undefined) {
    // Outside ASCII no label matches; TextDecoder would lower-case such letters itself.
    charset = (/^[\x21-\x7e]+$/.test(key) && _textDecoderCharset(key)) || utf8
    if (_byLabel.size >= FIXED_LABELS + MAX_LEARNED) _forgetLearned()
    _byLabel.set(key, charset)
  }
  return charset
}

function _lower(letters: string): string {
  return letters.toLowerCase()
}

function _forgetLearned(): void {
  let index = 0
  for (const key of _byLabel.keys()) {
    if (index++ >= FIXED_LABELS) _byLabel.delete(key)
  }
}

/**
 * The decoder for a `charset` label, shared by every body with that label. Follows WHATWG
 * Encoding: labels are trimmed and matched in any case; an unknown or missing label means
 * UTF-8; invalid bytes become U+FFFD rather than an error; windows-1252 and its aliases
 * (`iso-8859-1`, `latin1`, `us-ascii`, …) give € “ ” ™ for 0x80–0x9F.
 *
 * @example
 * decoderFor('ISO-8859-1').decode(new Uint8Array([0x93, 0x68, 0x69, 0x94])) // '“hi”'
 */
export function decoderFor(label: string | undefined): Decoder {
  return _charset(label)
}

/**
 * A decoder for one body read in chunks (`lines()`), by the rules of {@link decoderFor}:
 * windows-1252 and its aliases decode as it does, other charsets through a `TextDecoder` of
 * their own that keeps a character split between two chunks whole.
 *
 * @example
 * const decoder = streamDecoderFor('latin1')
 * decoder.decode(new Uint8Array([0x80]), { stream: true }) // '€'
 */
export function streamDecoderFor(label: string | undefined): StreamDecoder {
  const charset = _charset(label)
  if (charset.singleByte === true) {
    return { decode: (bytes) => (bytes === undefined ? '' : charset.decode(bytes)) }
  }
  if (charset === replacement) {
    let seen = false
    return {
      decode(bytes) {
        if (seen || bytes === undefined || bytes.length === 0) return ''
        seen = true
        return '\uFFFD'
      },
    }
  }
  try {
    return new TextDecoder(label?.trim())
  } catch {
    return new TextDecoder()
  }
}

/**
 * Whether `bytes` are valid text in the charset `label` names (resolved as in
 * {@link decoderFor}): a fatal decode would not throw, so no byte would become U+FFFD. Every
 * byte sequence is valid windows-1252, so this says nothing about whether a body labelled
 * with it is really text.
 *
 * @example
 * decodesCleanly(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), undefined) // false: not UTF-8
 */
export function decodesCleanly(bytes: Uint8Array, label: string | undefined): boolean {
  return _charset(label).isClean(bytes)
}

/**
 * The `charset` parameter of a `Content-Type` value, unquoted; `undefined` when it has none.
 * One reading for the http layer's `text()` and the CLI's text-or-base64 choice.
 */
export function charsetOf(contentType: string | undefined): string | undefined {
  // Most types have no parameters at all: nothing to split.
  if (contentType === undefined || !contentType.includes(';')) return undefined
  for (const param of contentType.split(';').slice(1)) {
    const at = param.indexOf('=')
    if (at === -1 || param.slice(0, at).trim().toLowerCase() !== 'charset') continue
    const value = param
      .slice(at + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
    return value === '' ? undefined : value
  }
  return undefined
}
