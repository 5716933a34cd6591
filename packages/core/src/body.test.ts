import { describe, expect, it } from 'vitest'
import {
  decodeFields,
  decodeFieldsSetting,
  encodeFields,
  encodeFieldsBut,
  firstValue,
  normalizeFields,
} from './body.js'
import { isValidMailbox } from './mailbox.js'
import { prepareMessage } from './message.js'

describe('bodies', () => {
  it('encode - keys sorted, values in order, escaped as Go url.Values.Encode does', () => {
    expect(encodeFields({ b: ['2'], a: ['x y', '1'] })).toBe('a=x+y&a=1&b=2')
    expect(encodeFields({ 'k!': ["it's (ok)*"] })).toBe('k%21=it%27s+%28ok%29%2A')
    expect(encodeFields({ z: ['é'], Z: ['~-_.'] })).toBe('Z=~-_.&z=%C3%A9')
  })

  it('encode - keys in the byte order of their UTF-8, as Go sorts them, across surrogate pairs', () => {
    // U+FF61 and U+E000 sort before U+1F600 by code point, after it by UTF-16 code unit.
    const keys = [
      '\u{1F600}',
      '\uFF61',
      '\uE000',
      '\uD7FF',
      'z',
      'Z',
      'a',
      'ab',
      '\u{10000}',
      '\u{1F600}x',
      'é',
    ]
    const byUtf8 = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    const fields = Object.fromEntries(keys.map((k) => [k, ['1']]))
    const order = encodeFields(fields)
      .split('&')
      .map((part) => decodeURIComponent(part.slice(0, part.indexOf('='))))
    expect(order).toEqual(byUtf8)
  })

  it('encode - the body without one field is the body of the fields without it', () => {
    const fields = { receiver: ['b@x'], sender: ['a@x'], topic: ['x y', 'z'], a: ['1'] }
    const { all, without } = encodeFieldsBut(fields, 'receiver')
    expect(all).toBe(encodeFields(fields))
    const { receiver: _, ...rest } = fields
    expect(without).toBe(encodeFields(rest))
    expect(encodeFieldsBut({ receiver: ['b@x'] }, 'receiver')).toEqual({ all: 'receiver=b%40x', without: '' })
  })

  it('decode - round-trips the canonical encoding', () => {
    const fields = { a: ['x y', '1'], 'ü&=': ['a+b', ''] }
    expect(decodeFields(encodeFields(fields))).toEqual(fields)
  })

  it('decode setting a field - the fields, in their order, of the body with that field', () => {
    // Names before, after and between, non-ASCII and astral ones (whose UTF-16 order differs).
    const others = ['a', 'receivez', 'r', 'receiver2', '\u{1F600}', '\uFF61', 'Z', 'ü&=']
    for (const name of ['receiver', '\uFF00', '0', '\u{1F601}']) {
      for (let n = 0; n <= others.length; n++) {
        const rest = Object.fromEntries(others.slice(0, n).map((k, i) => [k, [`v${i}`, 'x y']]))
        const whole = decodeFields(encodeFields({ ...rest, [name]: ['b@x'] }))
        const set = decodeFieldsSetting(encodeFields(rest), name, 'b@x')
        expect(Object.entries(set)).toEqual(Object.entries(whole))
        // A body that already holds the field (written whole) keeps its place, with the value given.
        const again = decodeFieldsSetting(encodeFields({ ...rest, [name]: ['old', 'older'] }), name, 'b@x')
        expect(Object.entries(again)).toEqual(Object.entries(whole))
      }
    }
  })

  it('encode and decode - every ASCII character, alone and amid plain text, as Go escapes it', () => {
    for (let code = 0; code < 128; code++) {
      const c = String.fromCharCode(code)
      // Go's QueryEscape: unreserved characters stay, a space is '+', the rest %XX in upper case.
      const go = /[A-Za-z0-9\-_.~]/.test(c)
        ? c
        : c === ' '
          ? '+'
          : `%${code.toString(16).toUpperCase().padStart(2, '0')}`
      expect(encodeFields({ k: [c, `ab${c}cd`] })).toBe(`k=${go}&k=ab${go}cd`)
      expect(decodeFields(`k=${go}&k=ab${go}cd`)).toEqual({ k: [c, `ab${c}cd`] })
    }
    expect(() => decodeFields('k=%zz')).toThrow('not valid URL encoding')
  })

  it('normalize - single values become lists; bad shapes are refused', () => {
    expect(normalizeFields({ a: 'x', b: ['y', 'z'] })).toEqual({ a: ['x'], b: ['y', 'z'] })
    expect(() => normalizeFields(null)).toThrow('body is nil')
    expect(() => normalizeFields({ a: 1 })).toThrow(/must be a string/)
    expect(() => normalizeFields({ '': 'x' })).toThrow(/field names/)
  })

  it('names - prototype names such as constructor and __proto__ are plain field names', () => {
    const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']
    // JSON.parse keeps `__proto__` as an own key, as a JSON body does.
    const input: unknown = JSON.parse(`{${names.map((n) => `"${n}": ["${n}-1", "${n}-2"]`).join(', ')}}`)
    const own = (fields: object) =>
      Object.fromEntries(
        Object.keys(fields).map((k) => [k, Object.getOwnPropertyDescriptor(fields, k)?.value]),
      )
    const expected = Object.fromEntries(names.map((n) => [n, [`${n}-1`, `${n}-2`]]))

    const normalized = normalizeFields(input)
    expect(Object.getPrototypeOf(normalized)).toBeNull()
    expect(own(normalized)).toEqual(expected)

    const encoded = encodeFields(normalized)
    expect(encoded).toContain('__proto__=__proto__-1&__proto__=__proto__-2')
    const decoded = decodeFields(encoded)
    expect(Object.getPrototypeOf(decoded)).toBeNull()
    expect(own(decoded)).toEqual(expected)
    expect(encodeFields(decoded)).toBe(encoded)

    // A name absent from the body reads as absent, not as Object.prototype's member.
    expect(firstValue(decodeFields('a=1'), 'constructor')).toBeUndefined()
    expect(firstValue(decoded, 'toString')).toBe('toString-1')
  })

  it('prepare - adds sender, receiver and clientTime; the same input gives the same mid', async () => {
    const input = { sender: 'a@x', receiver: 'b@x', fields: { k: 'v' }, clientTime: '2024-01-01T00:00:00Z' }
    const one = await prepareMessage(input, { now: 0 })
    const two = await prepareMessage(input, { now: 999 })
    expect(one.mid).toBe(two.mid)
    expect(one.fields).toEqual({
      k: ['v'],
      sender: ['a@x'],
      receiver: ['b@x'],
      clientTime: ['2024-01-01T00:00:00Z'],
    })
    const stamped = await prepareMessage(
      { sender: 'a@x', receiver: 'b@x', fields: {} },
      { now: Date.UTC(2025, 0, 2) },
    )
    expect(stamped.fields.clientTime).toEqual(['2025-01-02T00:00:00.000Z'])
    await expect(prepareMessage({ ...input, clientTime: 'yesterday' }, { now: 0 })).rejects.toThrow(
      /RFC 3339/,
    )
  })

  it('mailbox - 1–255 printable characters, no control characters', () => {
    expect(isValidMailbox('orders@shop')).toBe(true)
    expect(isValidMailbox('名前@例え')).toBe(true)
    expect(isValidMailbox('a b@c')).toBe(true)
    expect(isValidMailbox('x'.repeat(255))).toBe(true)
    expect(isValidMailbox('x'.repeat(256))).toBe(false)
    expect(isValidMailbox('')).toBe(false)
    expect(isValidMailbox('a\tb')).toBe(false)
    expect(isValidMailbox('a\u0085b')).toBe(false)
    expect(isValidMailbox('\ud800')).toBe(false)
    expect(isValidMailbox(42)).toBe(false)
  })
})
