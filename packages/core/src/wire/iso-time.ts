const MAX_TIME = 8.64e15

/**
 * The `YYYY-MM-DDTHH:MM:` prefixes of the minutes {@link isoTime} formatted last, in four slots by
 * the minute's last two bits: one message's times fall in neighbouring minutes (received a little
 * earlier, leased until a little later), which a single slot made each call format anew.
 */
const SLOTS = 4
const cachedMinutes = new Float64Array(SLOTS).fill(Number.NaN)
const cachedPrefixes: string[] = new Array<string>(SLOTS).fill('')

/**
 * `new Date(ms).toISOString()`, without a `Date` and a full format per call: the text up to the
 * minute is kept for the minute it was made for, and only seconds and milliseconds are written.
 * Every message on the wire carries several times, mostly of the same minute; formatting them
 * was ~4 % of a busy server's CPU. Throws like `toISOString` for a time a `Date` cannot hold.
 */
export function isoTime(ms: number): string {
  // Past a Date's range (±8.64e15 ms), mid-minute: toISOString throws, as it must here too.
  if (!(Math.abs(ms) <= MAX_TIME)) return new Date(ms).toISOString()
  const minute = Math.floor(ms / 60_000)
  const slot = minute & (SLOTS - 1)
  if (cachedMinutes[slot] !== minute) {
    // Validates too: toISOString throws a RangeError for NaN or a time out of range.
    cachedPrefixes[slot] = new Date(minute * 60_000).toISOString().slice(0, -7)
    cachedMinutes[slot] = minute
  }
  const prefix = cachedPrefixes[slot]
  const rest = ms - minute * 60_000 // 0 ≤ rest < 60 000, whole ms for whole-ms input
  if (!Number.isInteger(rest)) return new Date(ms).toISOString()
  const seconds = Math.floor(rest / 1000)
  const millis = rest - seconds * 1000
  return `${prefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`
}
