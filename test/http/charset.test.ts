import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decoderFor, decodesCleanly } from '../../src/http/_charset.js'

const bytes = (...values: number[]) => new Uint8Array(values)
const range = (from: number, to: number) =>
  Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** Bytes 0x80–0x9F in windows-1252, written out as WHATWG's index-windows-1252 lists them. */
const WINDOWS_1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F' + '\u0090‘’“”•–—˜™š›œ\u009DžŸ'

/** Every label WHATWG Encoding maps to windows-1252. */
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

describe('decoderFor()', () => {
  it.each(WINDOWS_1252_LABELS)('decodes 0x80–0x9F as windows-1252 for %s', (label) => {
    expect(decoderFor(label).decode(range(0x80, 0x9f))).toBe(WINDOWS_1252_C1)
  })

  it('decodes every other byte as its own code point in windows-1252', () => {
    const outside = fc.integer({ min: 0, max: 255 }).filter((b) => b < 0x80 || b > 0x9f)
    fc.assert(
      fc.property(fc.array(outside, { maxLength: 300 }), (values) => {
        expect(decoderFor('iso-8859-1').decode(Uint8Array.from(values))).toBe(
          String.fromCharCode(...values),
        )
      }),
    )
  })

  it('gives one character per byte in windows-1252, wherever the C1 bytes fall', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
        const text = decoderFor('windows-1252').decode(input)
        expect(text).toHaveLength(input.length)
        input.forEach((b, i) => {
          const expected =
            b >= 0x80 && b <= 0x9f ? WINDOWS_1252_C1[b - 0x80] : String.fromCharCode(b)
          expect(text[i]).toBe(expected)
        })
      }),
    )
  })

  it('decodes a view into a larger buffer by its own bytes only', () => {
    const whole = bytes(0x41, 0x93, 0x68, 0x69, 0x94, 0x42)
    expect(decoderFor('latin1').decode(whole.subarray(1, 5))).toBe('“hi”')
  })

  it('matches labels in any ASCII case, with surrounding whitespace', () => {
    expect(decoderFor(' \tISO-8859-1\r\n').decode(bytes(0x80))).toBe('€')
    expect(decoderFor('US-ASCII').decode(bytes(0x99))).toBe('™')
    expect(decoderFor('UTF-8')).toBe(decoderFor(' utf-8 '))
  })

  it('shares one decoder among the labels of one encoding', () => {
    expect(decoderFor('latin1')).toBe(decoderFor('windows-1252'))
    expect(decoderFor('utf8')).toBe(decoderFor('utf-8'))
    expect(decoderFor('koi8-r')).toBe(decoderFor('KOI8-R'))
  })

  it('falls back to UTF-8 for a missing, empty or unknown label', () => {
    const euro = bytes(0xe2, 0x82, 0xac)
    for (const label of [undefined, '', 'bogus', 'utf-9', '"utf-8"']) {
      expect(decoderFor(label).decode(euro), String(label)).toBe('€')
    }
  })

  it('matches no label outside ASCII, as WHATWG lower-cases ASCII letters only', () => {
    // U+212A KELVIN SIGN lower-cases to 'k' in JavaScript, but 'Koi8-r' is no label.
    expect(decoderFor('\u212Aoi8-r').decode(bytes(0xc1))).toBe('\uFFFD')
    expect(decoderFor('koi8-r').decode(bytes(0xc1))).toBe('а')
  })

  it('turns malformed UTF-8 into U+FFFD instead of throwing', () => {
    expect(decoderFor('utf-8').decode(bytes(0x61, 0xff, 0x62, 0xc3))).toBe('a\uFFFDb\uFFFD')
  })

  it('decodes the other charsets Node knows', () => {
    expect(decoderFor('shift_jis').decode(bytes(0x82, 0xa0))).toBe('あ')
    expect(decoderFor('iso-8859-2').decode(bytes(0xa3))).toBe('Ł')
    expect(decoderFor('utf-16le').decode(bytes(0x3d, 0xd8, 0x00, 0xde))).toBe('😀')
  })

  it('decodes x-user-defined to the private use area, however long the body', () => {
    const input = new Uint8Array(20_000).map((_, i) => (i % 2 === 0 ? 0x41 : 0x80 + (i % 128)))
    const text = decoderFor('x-user-defined').decode(input)
    expect(text).toHaveLength(input.length)
    expect(text.slice(0, 4)).toBe('A\uF781A\uF783')
    expect(text.charCodeAt(19_999)).toBe(0xf780 + (19_999 % 128))
  })

  it('decodes a body in a "replacement" charset such as ISO-2022-KR to one U+FFFD', () => {
    expect(decoderFor('iso-2022-kr').decode(bytes(0x1b, 0x24, 0x29, 0x43))).toBe('\uFFFD')
    expect(decoderFor('iso-2022-kr').decode(bytes())).toBe('')
  })
})

describe('decodesCleanly()', () => {
  it('says no for PNG bytes read as UTF-8, the default', () => {
    const png = bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)
    expect(decodesCleanly(png, undefined)).toBe(false)
    expect(decodesCleanly(png, 'utf-8')).toBe(false)
  })

  it('says yes for any text encoded as UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (text) => {
        expect(decodesCleanly(new TextEncoder().encode(text), 'utf-8')).toBe(true)
      }),
    )
  })

  it('says yes exactly when UTF-8 bytes survive a decode and encode', () => {
    const noBom = fc
      .uint8Array({ maxLength: 40 })
      .filter((b) => !(b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf))
    fc.assert(
      fc.property(noBom, (input) => {
        const back = new TextEncoder().encode(decoderFor('utf-8').decode(input))
        expect(decodesCleanly(input, 'utf-8')).toBe(Buffer.from(back).equals(Buffer.from(input)))
      }),
    )
  })

  it('says yes for any bytes in windows-1252, where every byte is a character', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (input) => {
        expect(decodesCleanly(input, 'ISO-8859-1')).toBe(true)
      }),
    )
  })

  it('checks the charset the label names', () => {
    expect(decodesCleanly(bytes(0x82, 0xa0), 'shift_jis')).toBe(true)
    expect(decodesCleanly(bytes(0x82), 'shift_jis')).toBe(false)
    expect(decodesCleanly(bytes(0xff), 'bogus')).toBe(false)
    expect(decodesCleanly(bytes(), 'iso-2022-kr')).toBe(true)
    expect(decodesCleanly(bytes(0x41), 'iso-2022-kr')).toBe(false)
  })
})
