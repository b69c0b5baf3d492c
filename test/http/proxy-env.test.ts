import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  isNoProxy,
  parseNoProxy,
  parseProxyUrl,
  proxyAuthorization,
  proxyFor,
  proxyFromEnv,
  redactProxy,
  resolveProxy,
} from '../../src/http/_proxy.js'

const exempt = (url: string, list: string): boolean => isNoProxy(new URL(url), parseNoProxy(list))

describe('parseNoProxy() and isNoProxy()', () => {
  it('exempts every host for a lone *', () => {
    expect(parseNoProxy('*')).toBe('all')
    expect(parseNoProxy(' * ')).toBe('all')
    expect(exempt('https://anything.test/', '*')).toBe(true)
  })

  it('exempts nothing for an empty list', () => {
    expect(exempt('http://a.test/', '')).toBe(false)
    expect(exempt('http://a.test/', ' , ,')).toBe(false)
  })

  it('matches a host itself and its subdomains, not a longer name sharing the suffix', () => {
    expect(exempt('http://local.com/', 'local.com')).toBe(true)
    expect(exempt('http://www.local.com/', 'local.com')).toBe(true)
    expect(exempt('http://a.b.local.com:8080/', 'local.com')).toBe(true)
    expect(exempt('http://notlocal.com/', 'local.com')).toBe(false)
    expect(exempt('http://local.com.evil.test/', 'local.com')).toBe(false)
  })

  it('treats a leading dot as the same entry without it, as curl does', () => {
    expect(exempt('http://local.com/', '.local.com')).toBe(true)
    expect(exempt('http://www.local.com/', '.local.com')).toBe(true)
    expect(exempt('http://notlocal.com/', '.local.com')).toBe(false)
  })

  it('ignores case and trailing dots', () => {
    expect(exempt('http://WWW.Example.COM/', 'example.com')).toBe(true)
    expect(exempt('http://www.example.com./', 'EXAMPLE.com.')).toBe(true)
  })

  it('splits on commas and blanks, and skips empty entries', () => {
    const list = ' a.test ,, b.test  c.test,'
    expect(exempt('http://a.test/', list)).toBe(true)
    expect(exempt('http://b.test/', list)).toBe(true)
    expect(exempt('http://c.test/', list)).toBe(true)
    expect(exempt('http://d.test/', list)).toBe(false)
  })

  it('exempts only the given port when an entry names one', () => {
    expect(exempt('http://a.test:8080/', 'a.test:8080')).toBe(true)
    expect(exempt('http://a.test:8081/', 'a.test:8080')).toBe(false)
    expect(exempt('http://a.test/', 'a.test:80')).toBe(true)
    expect(exempt('https://a.test/', 'a.test:443')).toBe(true)
    expect(exempt('https://a.test/', 'a.test:80')).toBe(false)
  })

  it('matches IPv4 literals exactly, or within a CIDR range', () => {
    expect(exempt('http://127.0.0.1:9/', '127.0.0.1')).toBe(true)
    expect(exempt('http://127.0.0.2/', '127.0.0.1')).toBe(false)
    expect(exempt('http://127.5.6.7/', '127.0.0.0/8')).toBe(true)
    expect(exempt('http://192.168.1.9/', '192.168.0.0/16')).toBe(true)
    expect(exempt('http://192.169.1.9/', '192.168.0.0/16')).toBe(false)
    expect(exempt('http://10.1.2.3/', '10.1.2.0/25')).toBe(true)
    expect(exempt('http://10.1.2.200/', '10.1.2.0/25')).toBe(false)
  })

  it('does not match an IP literal against a name suffix, nor a name against an IP', () => {
    expect(exempt('http://10.0.0.1/', '0.1')).toBe(false)
    expect(exempt('http://localhost/', '127.0.0.1')).toBe(false)
  })

  it('matches IPv6 literals written with or without brackets, with CIDR and ports', () => {
    expect(exempt('http://[::1]:8080/', '::1')).toBe(true)
    expect(exempt('http://[::1]:8080/', '[::1]')).toBe(true)
    expect(exempt('http://[::1]:8080/', '[::1]:8080')).toBe(true)
    expect(exempt('http://[::1]:8081/', '[::1]:8080')).toBe(false)
    expect(exempt('http://[0:0:0:0:0:0:0:1]/', '::1')).toBe(true)
    expect(exempt('http://[fd00::5]/', 'fd00::/8')).toBe(true)
    expect(exempt('http://[fe80::5]/', 'fd00::/8')).toBe(false)
    expect(exempt('http://[::ffff:127.0.0.1]/', '::ffff:127.0.0.1')).toBe(true)
  })

  it('does not match IPv4 entries against IPv6 hosts', () => {
    expect(exempt('http://[::1]/', '127.0.0.1')).toBe(false)
    expect(exempt('http://127.0.0.1/', '::1')).toBe(false)
  })

  it('skips unreadable entries rather than failing the whole list', () => {
    expect(exempt('http://a.test/', '10.0.0.0/99, a.test')).toBe(true)
    expect(exempt('http://a.test/', 'bad/entry, a.test')).toBe(true)
  })

  it('exempts a subdomain of every listed name (property)', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/)
    fc.assert(
      fc.property(
        fc.array(label, { minLength: 1, maxLength: 4 }),
        fc.array(label, { maxLength: 3 }),
        fc.boolean(),
        fc.boolean(),
        (domain, sub, dot, upper) => {
          const name = domain.join('.')
          const entry = `${dot ? '.' : ''}${upper ? name.toUpperCase() : name}`
          const host = [...sub, name].join('.')
          expect(exempt(`http://${host}/`, entry)).toBe(true)
          expect(exempt(`http://x${host}/`, entry)).toBe(sub.length > 0)
        },
      ),
      { numRuns: 5000 },
    )
  })

  it('agrees with a bit-by-bit comparison for IPv4 CIDR ranges (property)', () => {
    const ip = fc.tuple(
      fc.nat({ max: 255 }),
      fc.nat({ max: 255 }),
      fc.nat({ max: 255 }),
      fc.nat({ max: 255 }),
    )
    fc.assert(
      fc.property(ip, ip, fc.nat({ max: 32 }), (a, b, bits) => {
        const toInt = (x: number[]) => x.reduce((n, byte) => n * 256 + byte, 0)
        const expected =
          bits === 0 ||
          Math.floor(toInt(a) / 2 ** (32 - bits)) === Math.floor(toInt(b) / 2 ** (32 - bits))
        expect(exempt(`http://${a.join('.')}/`, `${b.join('.')}/${bits}`)).toBe(expected)
      }),
    )
  })

  it('is independent of the order of entries (property)', () => {
    const entry = fc.constantFrom(
      'a.test',
      '.b.test',
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
      'c.test:8080',
    )
    const url = fc.constantFrom(
      'http://a.test/',
      'http://x.b.test/',
      'http://127.0.0.1/',
      'http://10.9.9.9/',
      'http://[::1]/',
      'http://c.test:8080/',
      'http://c.test/',
      'http://d.test/',
    )
    fc.assert(
      fc.property(fc.array(entry), url, (entries, target) => {
        const forward = exempt(target, entries.join(','))
        expect(exempt(target, [...entries].reverse().join(' '))).toBe(forward)
        expect(forward).toBe(entries.some((one) => exempt(target, one)))
      }),
    )
  })
})

describe('parseProxyUrl()', () => {
  it('reads a URL without a scheme as http://, as curl does', () => {
    expect(parseProxyUrl('proxy.test:3128', 'proxy').href).toBe('http://proxy.test:3128/')
  })

  it('keeps https: proxies and credentials', () => {
    const url = parseProxyUrl('https://u:p%40ss@proxy.test:8443', 'proxy')
    expect([url.protocol, url.username, url.password]).toEqual(['https:', 'u', 'p%40ss'])
  })

  it('names the setting in the error for other schemes and non-strings', () => {
    expect(() => parseProxyUrl('socks5://proxy.test:1080', 'HTTPS_PROXY')).toThrow(
      /Expected `HTTPS_PROXY` to be an http: or https: proxy URL, got `"socks5:\/\/proxy.test:1080"` \(string\)/,
    )
    expect(() => parseProxyUrl(42, 'proxy')).toThrow(TypeError)
    expect(() => parseProxyUrl('http://', 'proxy')).toThrow(/`proxy`/)
  })
})

describe('proxyFromEnv()', () => {
  it('uses http_proxy for http: and https_proxy for https:', () => {
    const settings = proxyFromEnv({ http_proxy: 'http://h:1', https_proxy: 'http://s:2' })
    expect(proxyFor(new URL('http://a.test/'), settings)?.host).toBe('h:1')
    expect(proxyFor(new URL('https://a.test/'), settings)?.host).toBe('s:2')
  })

  it('prefers the lower-case variable when both cases are set', () => {
    const settings = proxyFromEnv({
      http_proxy: 'http://lower:1',
      HTTP_PROXY: 'http://upper:1',
      https_proxy: 'http://lower:2',
      HTTPS_PROXY: 'http://upper:2',
      no_proxy: 'lower.test',
      NO_PROXY: 'upper.test',
    })
    expect(settings.http?.hostname).toBe('lower')
    expect(settings.https?.hostname).toBe('lower')
    expect(isNoProxy(new URL('http://lower.test/'), settings.noProxy)).toBe(true)
    expect(isNoProxy(new URL('http://upper.test/'), settings.noProxy)).toBe(false)
  })

  it('reads the upper-case variables when the lower-case ones are unset or empty', () => {
    const settings = proxyFromEnv({
      http_proxy: '',
      HTTP_PROXY: 'http://upper:1',
      HTTPS_PROXY: 'upper:2',
      NO_PROXY: '.x.test',
    })
    expect(settings.http?.host).toBe('upper:1')
    expect(settings.https?.href).toBe('http://upper:2/')
    expect(isNoProxy(new URL('https://a.x.test/'), settings.noProxy)).toBe(true)
  })

  it('falls back to all_proxy for a scheme without its own variable', () => {
    const settings = proxyFromEnv({ ALL_PROXY: 'http://all:1', https_proxy: 'http://s:2' })
    expect(settings.http?.host).toBe('all:1')
    expect(settings.https?.host).toBe('s:2')
  })

  it('uses no proxy when no variable is set', () => {
    const settings = proxyFromEnv({ PATH: '/usr/bin' })
    expect(proxyFor(new URL('http://a.test/'), settings)).toBeUndefined()
    expect(proxyFor(new URL('https://a.test/'), settings)).toBeUndefined()
  })

  it('lets the noProxy argument replace the environment list (curl --noproxy)', () => {
    const env = { http_proxy: 'http://p:1', no_proxy: 'a.test' }
    const settings = proxyFromEnv(env, 'b.test')
    expect(proxyFor(new URL('http://a.test/'), settings)?.host).toBe('p:1')
    expect(proxyFor(new URL('http://b.test/'), settings)).toBeUndefined()
    expect(proxyFor(new URL('http://a.test/'), proxyFromEnv(env, ''))?.host).toBe('p:1')
  })

  it('names the variable holding a bad proxy URL', () => {
    expect(() => proxyFromEnv({ https_proxy: 'ftp://p' })).toThrow(/`https_proxy`/)
  })
})

describe('resolveProxy()', () => {
  const env = { https_proxy: 'http://env:1' }

  it('gives no proxy for false or nothing, whatever the environment says', () => {
    expect(resolveProxy(undefined, undefined, env)).toBeUndefined()
    expect(resolveProxy(false, undefined, env)).toBeUndefined()
  })

  it("reads the environment only for 'env'", () => {
    const settings = resolveProxy('env', undefined, env)
    expect(proxyFor(new URL('https://a.test/'), settings)?.host).toBe('env:1')
    expect(proxyFor(new URL('http://a.test/'), settings)).toBeUndefined()
    expect(resolveProxy('env', undefined, {})).toBeUndefined()
  })

  it('uses one URL for both schemes, minus noProxy', () => {
    const settings = resolveProxy(new URL('http://p:3128'), '127.0.0.1', env)
    expect(proxyFor(new URL('http://a.test/'), settings)?.host).toBe('p:3128')
    expect(proxyFor(new URL('https://a.test/'), settings)?.host).toBe('p:3128')
    expect(proxyFor(new URL('https://127.0.0.1/'), settings)).toBeUndefined()
  })

  it('rejects other values with a message naming the option', () => {
    expect(() => resolveProxy(true, undefined, env)).toThrow(
      "Expected `proxy` to be 'env', a proxy URL or false, got `true` (boolean)",
    )
    expect(() => resolveProxy('env', ['a'], env)).toThrow(/`noProxy`/)
  })
})

describe('proxyAuthorization() and redactProxy()', () => {
  it('encodes decoded credentials as Basic and strips them from the shown URL', () => {
    const proxy = new URL('http://us%3Aer:p%40ss@proxy.test:3128/')
    expect(proxyAuthorization(proxy)).toBe(`Basic ${Buffer.from('us:er:p@ss').toString('base64')}`)
    expect(redactProxy(proxy)).toBe('http://proxy.test:3128')
    expect(proxyAuthorization(new URL('http://proxy.test/'))).toBeUndefined()
  })
})
