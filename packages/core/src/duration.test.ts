import { describe, expect, it } from 'vitest'
import { formatGoDuration, parseGoDuration } from './duration.js'

describe('Go durations', () => {
  it('parse - the units and forms Go accepts', () => {
    expect(parseGoDuration('250ms')).toBe(250)
    expect(parseGoDuration('1s')).toBe(1000)
    expect(parseGoDuration('5m')).toBe(300_000)
    expect(parseGoDuration('1h30m')).toBe(5_400_000)
    expect(parseGoDuration('1.5h')).toBe(5_400_000)
    expect(parseGoDuration('-1h')).toBe(-3_600_000)
    expect(parseGoDuration('0')).toBe(0)
    expect(parseGoDuration('1500us')).toBe(2)
  })

  it('parse - anything else is invalid_duration', () => {
    for (const bad of ['', '5', 'm', '1x', '1h 30m', 'soon', '--1s']) {
      expect(() => parseGoDuration(bad), bad).toThrow(/invalid duration/)
    }
  })

  it('format - prints as Go does', () => {
    expect(formatGoDuration(5_400_000)).toBe('1h30m0s')
    expect(formatGoDuration(250)).toBe('250ms')
    expect(formatGoDuration(0)).toBe('0s')
    expect(formatGoDuration(61_500)).toBe('1m1.5s')
  })
})
