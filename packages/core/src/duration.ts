import { PandoraError } from './errors.js'

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

const PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/

/**
 * Parses a Go duration (`250ms`, `1s`, `5m`, `1h30m`, `-1h`, `1.5h`) into milliseconds, rounded
 * to the nearest millisecond. `0` alone is allowed, as in Go.
 *
 * @example
 * ```ts
 * parseGoDuration('1h30m') // 5_400_000
 * ```
 */
export function parseGoDuration(input: string): number {
  if (typeof input !== 'string' || input.length === 0 || input.length > 100) {
    throw new PandoraError('invalid_duration', `invalid duration ${JSON.stringify(String(input))}`)
  }
  let rest = input
  let sign = 1
  if (rest[0] === '-' || rest[0] === '+') {
    sign = rest[0] === '-' ? -1 : 1
    rest = rest.slice(1)
  }
  if (rest === '0') return 0
  if (rest.length === 0)
    throw new PandoraError('invalid_duration', `invalid duration ${JSON.stringify(input)}`)
  let total = 0
  while (rest.length > 0) {
    const m = PART.exec(rest)
    if (!m) throw new PandoraError('invalid_duration', `invalid duration ${JSON.stringify(input)}`)
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number)
    rest = rest.slice(m[0].length)
  }
  return sign * Math.round(total)
}

/** Prints milliseconds as a Go duration (`1h30m0s`, `250ms`, `0s`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s'
  const sign = ms < 0 ? '-' : ''
  let rest = Math.abs(Math.round(ms))
  if (rest < 1000) return `${sign}${rest}ms`
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const m = Math.floor(rest / 60_000)
  rest -= m * 60_000
  const s = rest / 1000
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`
}
