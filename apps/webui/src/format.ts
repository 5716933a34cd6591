/** Milliseconds as a short countdown: `42s`, `4m 05s`, `2h 03m`; `expired` at or below zero. */
export function formatRemaining(ms: number): string {
  if (ms <= 0) return 'expired'
  const s = Math.ceil(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  return `${h}h ${String(m % 60).padStart(2, '0')}m`
}

/** How long ago (or ahead) `then` is from `now`: `just now`, `12s ago`, `in 5m`, `3h ago`, `2d ago`. */
export function formatRelative(then: Date, now: number): string {
  const diff = then.getTime() - now
  const abs = Math.abs(diff)
  if (abs < 1500) return 'just now'
  let text: string
  if (abs < 60_000) text = `${Math.round(abs / 1000)}s`
  else if (abs < 3_600_000) text = `${Math.floor(abs / 60_000)}m`
  else if (abs < 86_400_000) text = `${Math.floor(abs / 3_600_000)}h`
  else text = `${Math.floor(abs / 86_400_000)}d`
  return diff < 0 ? `${text} ago` : `in ${text}`
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** A local date and time with milliseconds, sortable and unambiguous: `2026-11-27 14:03:07.123`. */
export function formatTimestamp(d: Date): string {
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  )
}

/** A byte count for people: `512 B`, `3.5 KiB`, `1.2 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`
}

/** The first characters of a mid or lid, enough to tell messages apart on screen. */
export function shortId(id: string, length = 10): string {
  return id.length <= length ? id : `${id.slice(0, length)}…`
}

/** A count with thousands separators: `12,345`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}
