import { useCallback, useEffect, useRef } from 'preact/hooks'
import { useConsole } from './console-context.js'
import type { LiveChange } from './live-feed.js'
import { type FeedSource, LiveTask } from './live-task.js'
import { documentVisibility } from './poller.js'

/**
 * Keeps a view up to date with the console's live feed (a {@link LiveTask}): while the stream is
 * up, `task` runs when a change the view `wants` arrives (and never on a timer); while it is down
 * or refused, it polls every `intervalMs` as before. Returns a function that runs it right away
 * (after a user's action).
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
  return useFeedTask(useConsole().feed, task, intervalMs, deps, wants)
}

/** {@link useLiveTask} with the feed given, for the shell that provides the console's. */
export function useFeedTask(
  feed: FeedSource,
  task: () => Promise<void>,
  intervalMs: number,
  deps: readonly unknown[],
  wants: (change: LiveChange) => boolean,
): () => void {
  const latest = useRef({ task, wants })
  latest.current = { task, wants }
  const current = useRef<LiveTask | undefined>(undefined)

  useEffect(() => {
    const live = new LiveTask(
      feed,
      () => latest.current.task(),
      intervalMs,
      (change) => latest.current.wants(change),
      documentVisibility,
    )
    current.current = live
    live.start()
    return () => live.stop()
  }, [feed, intervalMs, ...deps])

  return useCallback(() => current.current?.run(), [])
}
