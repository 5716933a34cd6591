import { describe, expect, it } from 'vitest'
import { isoTime } from './iso-time.js'

describe('isoTime', () => {
  it('formats exactly as Date#toISOString, across minutes, years and the epoch', () => {
    const edges = [
      0, -1, 999, 1000, 59_999, 60_000, -60_000, -60_001, 1_764_288_000_000, 1_764_288_059_999,
      253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001, 8.64e15, -8.64e15,
    ]
    let seed = 42
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const samples = Array.from({ length: 20_000 }, () => Math.floor((random() - 0.5) * 2 * 8.64e15))
    // Runs of times in one minute, as a busy server formats them.
    const runs = Array.from({ length: 2000 }, (_, i) => 1_764_288_000_000 + i * 37)
    for (const ms of [...edges, ...samples, ...runs])
      expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString())
  })

  it('formats times of neighbouring and far minutes interleaved, as one message carries them', () => {
    // Received a few seconds ago, leased for 30 s or 5 min, minutes that share a cache slot.
    for (let i = 0; i < 5000; i++) {
      const now = 1_764_288_000_000 + i * 1013
      for (const ms of [now, now - 4_321, now + 30_000, now + 300_000, now + 4 * 60_000, -now])
        expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString())
    }
  })

  it('keeps a fraction of a millisecond as Date does (truncated)', () => {
    expect(isoTime(1_764_288_000_123.7)).toBe(new Date(1_764_288_000_123.7).toISOString())
  })

  it('throws like toISOString for a time a Date cannot hold', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError)
    expect(() => isoTime(8.64e15 + 60_000)).toThrow(RangeError)
    isoTime(8.64e15) // its minute is now the one formatted last
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError)
  })
})
