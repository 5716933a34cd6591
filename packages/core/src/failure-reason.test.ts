import { describe, expect, it } from 'vitest'
import { checkReason, REASON_MAX_BYTES, truncateReason } from './failure-reason.js'

const bytes = (s: string) => new TextEncoder().encode(s).byteLength

describe('failure reasons', () => {
  it('truncateReason - leaves a reason that fits alone, cuts a longer one at a character boundary', () => {
    expect(truncateReason('timeout talking to stripe')).toBe('timeout talking to stripe')
    const emoji = '🦜'.repeat(600) // 4 bytes each: 2400 bytes
    const cut = truncateReason(emoji)
    expect(bytes(cut)).toBeLessThanOrEqual(REASON_MAX_BYTES)
    expect(cut).toBe(`${'🦜'.repeat(255)}…`)
    expect(checkReason(cut)).toBe(cut)
  })

  it('truncateReason - makes any text a valid reason: NUL and lone surrogates become U+FFFD', () => {
    const fixed = truncateReason('a\u0000b\ud800c')
    expect(fixed).toBe('a\uFFFDb\uFFFDc')
    expect(checkReason(fixed)).toBe(fixed)
  })

  it('checkReason - an empty reason is none; anything but text is invalid_reason', () => {
    expect(checkReason('')).toBeNull()
    expect(checkReason(undefined)).toBeNull()
    expect(() => checkReason(42)).toThrow(expect.objectContaining({ code: 'invalid_reason' }))
  })
})
