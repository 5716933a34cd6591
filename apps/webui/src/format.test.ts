import { describe, expect, it } from 'vitest'
import { formatBytes, formatRelative, formatRemaining, formatTimestamp, shortId } from './format.js'

describe('format', () => {
  it('format - lease countdown in seconds, minutes and hours', () => {
    expect(formatRemaining(0)).toBe('expired')
    expect(formatRemaining(-5)).toBe('expired')
    expect(formatRemaining(1)).toBe('1s')
    expect(formatRemaining(42_000)).toBe('42s')
    expect(formatRemaining(245_000)).toBe('4m 05s')
    expect(formatRemaining(2 * 3_600_000 + 3 * 60_000)).toBe('2h 03m')
  })

  it('format - relative times read as past or future', () => {
    const now = Date.parse('2026-11-27T12:00:00Z')
    expect(formatRelative(new Date(now - 500), now)).toBe('just now')
    expect(formatRelative(new Date(now - 12_000), now)).toBe('12s ago')
    expect(formatRelative(new Date(now + 5 * 60_000), now)).toBe('in 5m')
    expect(formatRelative(new Date(now - 3 * 3_600_000), now)).toBe('3h ago')
    expect(formatRelative(new Date(now - 2 * 86_400_000), now)).toBe('2d ago')
  })

  it('format - timestamps are local, zero-padded, with milliseconds', () => {
    expect(formatTimestamp(new Date(2026, 0, 2, 3, 4, 5, 6))).toBe('2026-01-02 03:04:05.006')
  })

  it('format - bytes and short ids', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(3584)).toBe('3.5 KiB')
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MiB')
    expect(shortId('a94a8fe5ccb19ba61c4c0873d391e987982fbbd3')).toBe('a94a8fe5cc…')
  })
})
