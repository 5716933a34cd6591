import { useCallback, useEffect, useRef } from 'preact/hooks'
import { documentVisibility, Poller } from './poller.js'

/**
 * Runs `task` now and then every `intervalMs` while the page is visible, and at once when it
 * becomes visible again (a {@link Poller}). Runs never overlap. Returns a function that runs it
 * right away (after an action of the user's own). A change of `deps` starts it over; views that
 * follow the live stream use {@link useLiveTask} instead.
 *
 * @example
 * ```ts
 * const refresh = usePoll(async () => setStats(await client.mailboxes()), 2000, [client])
 * ```
 */
export function usePoll(task: () => Promise<void>, intervalMs: number, deps: readonly unknown[]): () => void {
  const latest = useRef(task)
  latest.current = task
  const poller = useRef<Poller | undefined>(undefined)

  useEffect(() => {
    const p = new Poller(() => latest.current(), intervalMs, documentVisibility)
    poller.current = p
    p.start()
    return () => p.stop()
  }, [intervalMs, ...deps])

  return useCallback(() => poller.current?.run(), [])
}
