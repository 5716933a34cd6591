import { useEffect, useState } from 'preact/hooks'
import { serverNow } from './clock-offset.js'
import { useConsole } from './console-context.js'

/** The current time in ms, updated every `everyMs` (for countdowns and "12s ago" labels). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return now
}

/**
 * The server's current time in ms, updated every `everyMs`: this browser's clock corrected by the
 * offset measured from `/v1/info`. Compare it with server times (`leasedUntil`, `sendWhen`,
 * `receivedAt`) so a skewed browser clock does not shift countdowns. Only inside the console shell.
 */
export function useServerNow(everyMs = 1000): number {
  return serverNow(useConsole().clockOffset, useNow(everyMs))
}
