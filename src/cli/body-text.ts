// `--body text` never mangles a body: it is text only when its type may be text and its bytes
// are valid in its charset; otherwise the record carries it in base64.
import { charsetOf, decoderFor, decodesCleanly } from '../_internal/charset.js'

/** Media types that are never text, whatever their bytes happen to be. */
const BINARY_TYPE =
  /^(?:image\/(?!svg\+xml)|audio\/|video\/|font\/|model\/|application\/(?:octet-stream|pdf|zip|gzip|x-gzip|zstd|wasm|x-tar|x-7z-compressed|vnd\.rar|x-protobuf|protobuf|msgpack|x-msgpack|cbor)\b)/i

/**
 * The body as text, decoded with the `charset` of its Content-Type (UTF-8 when none), or
 * `undefined` when it is not text: a binary media type, or bytes not valid in that charset.
 * @example
 * bodyText(new TextEncoder().encode('héllo'), 'text/plain; charset=utf-8') // 'héllo'
 */
export function bodyText(
  bytes: Uint8Array,
  contentType: string | readonly string[] | undefined,
): string | undefined {
  const type = typeof contentType === 'string' ? contentType : contentType?.[0]
  if (type !== undefined && BINARY_TYPE.test(type.trim())) return undefined
  const label = charsetOf(type)
  if (!decodesCleanly(bytes, label)) return undefined
  return decoderFor(label).decode(bytes)
}
