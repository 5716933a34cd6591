/**
 * How the original Go server printed values on its form routes, so its clients and web UI read
 * our replies exactly as they read its own.
 */

/** Go's zero `time.Time` in RFC 3339: what the original printed for "never" (e.g. no lease). */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z'

/**
 * An epoch-ms time as Go's `time.RFC3339Nano` prints a UTC time: trailing zeros of the fraction
 * dropped, no fraction at all on a whole second (`2024-01-01T10:00:00.12Z`, `…T10:00:00Z`).
 * `null` prints Go's zero time.
 */
export function goTime(ms: number | null): string {
  if (ms === null) return GO_ZERO_TIME
  return new Date(ms).toISOString().replace(/\.?0*Z$/, 'Z')
}

/**
 * Parses the original's `receivedat` parameter: an RFC 3339 time, or else a Go duration added to
 * `now` (`-1h` is an hour ago). Returns epoch ms (fractions of a millisecond dropped); throws
 * `invalid_duration` for anything else.
 */
export function parseTimeOrOffset(value: string, now: number, parseDuration: (s: string) => number): number {
  if (/^\d{4}-\d{2}-\d{2}T/i.test(value)) {
    const ms = Date.parse(value)
    if (!Number.isNaN(ms)) return ms
  }
  return now + parseDuration(value)
}
