import { describe, expect, it } from 'vitest'
import type { PandoraError } from './errors.js'
import { contentKey, contentKeySync, isKey, newLeaseId, normalizeKey, parseKey } from './key.js'

const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (e) {
    return (e as PandoraError).code
  }
  return 'none'
}

describe('keys', () => {
  it('contentKey - the SHA-1 of the bytes, lower-case hex', async () => {
    expect(await contentKey('abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d')
    expect(contentKeySync(new TextEncoder().encode(''))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709')
  })

  it('parseKey - canonical lower case; the original errors for the wrong length; non-hex refused', () => {
    expect(parseKey('A9993E364706816ABA3E25717850C26C9CD0D89D')).toBe(
      'a9993e364706816aba3e25717850c26c9cd0d89d',
    )
    expect(codeOf(() => parseKey('a'.repeat(41)))).toBe('key_too_short')
    expect(codeOf(() => parseKey('a'.repeat(39)))).toBe('input_too_short')
    expect(codeOf(() => parseKey('g'.repeat(40)))).toBe('invalid_key')
    expect(() => parseKey('a'.repeat(41))).toThrow('key is too short')
    expect(() => parseKey('abc')).toThrow('input is to short to process')
  })

  it('normalizeKey - the lower-case form parseKey gives, without the checks', () => {
    const upper = 'A9993E364706816ABA3E25717850C26C9CD0D89D'
    expect(normalizeKey(upper)).toBe(parseKey(upper))
    expect(normalizeKey('AbC')).toBe('abc')
  })

  it('newLeaseId - 160 random bits, never repeating', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => newLeaseId()))
    expect(ids.size).toBe(5000)
    for (const id of [...ids].slice(0, 10)) expect(isKey(id)).toBe(true)
  })
})
