import { useEffect, useRef } from 'preact/hooks'

/**
 * Runs `task` now and then every `intervalMs` while the page is visible, and at once when it
 * becomes visible again. Runs never overlap. Returns a function that runs it right away (after an
 * action of the user's own, or an event of the server's stream). With `intervalMs` null it does
 * not poll: it runs now, on becoming visible, and when asked — how the views behave while the
 * live stream tells them what changed (see {@link useLiveTask}).
 *
 * @example
 * ```ts
 * const refresh = usePoll(async () => setStats(await client.mailboxes()), 2000, [client])
 * ```
 */
export function usePoll(
  task: () => Promise<void>,
  intervalMs: number | null,
  deps: readonly unknown[],
): () => void {
  const latest = useRef(task)
  latest.current = task
  const trigger = useRef<() => void>(() => {})

  useEffect(() => {
    let stopped = false
    let running = false
    let again = false
    let timer: ReturnType<typeof setTimeout> | undefined

    const run = async (): Promise<void> => {
      if (stopped) return
      if (running) {
        again = true
        return
      }
      clearTimeout(timer)
      running = true
      try {
        await latest.current()
      } catch {
        // The task reports its own errors; polling carries on so the view recovers by itself.
      } finally {
        running = false
      }
      if (stopped) return
      if (again) {
        again = false
        void run()
        return
      }
      // A hidden tab stops polling; becoming visible starts it again at once.
      if (intervalMs !== null && document.visibilityState === 'visible')
        timer = setTimeout(() => void run(), intervalMs)
    }
    const onVisible = () => {
      if (document.visibilityState === 'visible') void run()
    }
    trigger.current = () => void run()
    document.addEventListener('visibilitychange', onVisible)
    void run()
    return () => {
      stopped = true
      clearTimeout(timer)
      document.removeEventListener('visibilitychange', onVisible)
    }
  }, [intervalMs, ...deps])

  return () => trigger.current()
}
