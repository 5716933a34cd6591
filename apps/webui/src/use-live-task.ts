import { useEffect, useRef } from 'preact/hooks'
import { useConsole } from './console-context.js'
import type { LiveChange } from './live-feed.js'
import { usePoll } from './use-poll.js'

/**
 * Keeps a view up to date: while the console's live stream is up, `task` runs when a change the
 * view `wants` arrives (and never on a timer); while it is down or refused, it polls every
 * `intervalMs` as before. Returns a function that runs it right away (after a user's action).
 *
 * @example
 * ```ts
 * const refresh = useLiveTask(load, 1500, [client, receiver], (c) => c.receivers.has(receiver))
 * ```
 */
export function useLiveTask(
  task: () => Promise<void>,
  intervalMs: number,
  deps: readonly unknown[],
  wants: (change: LiveChange) => boolean,
): () => void {
  const { feed, feedStatus } = useConsole()
  const live = feedStatus.mode === 'live'
  const refresh = usePoll(task, live ? null : intervalMs, deps)
  const latest = useRef({ wants, refresh })
  latest.current = { wants, refresh }
  useEffect(
    () =>
      feed.onChange((change) => {
        // A hidden tab catches up when it becomes visible again (usePoll runs then).
        if (document.visibilityState === 'visible' && latest.current.wants(change)) latest.current.refresh()
      }),
    [feed],
  )
  return refresh
}
