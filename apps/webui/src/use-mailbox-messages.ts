import type { MessageSummary } from '@pandora/client'
import { useRef, useState } from 'preact/hooks'
import { serverNow } from './clock-offset.js'
import { useConsole } from './console-context.js'
import { arrivalAnnouncement, type FreshMarks, findArrivals, markFresh } from './fresh-arrivals.js'
import { describeError } from './link-state.js'
import { loadHeaders } from './load-headers.js'
import { useLiveTask } from './use-live-task.js'

/** How often a mailbox's message list is refreshed while the tab is visible and the live stream is not up. */
export const HEADERS_POLL_MS = 1500

/** The newest messages of a mailbox, and whether older ones were left out. */
export interface LoadedMessages {
  headers: MessageSummary[]
  truncated: boolean
}

/** What {@link useMailboxMessages} keeps up to date. */
export interface MailboxMessages {
  /** Undefined until the first load succeeds. */
  list: LoadedMessages | undefined
  /** Why the latest load failed, until one succeeds again. */
  loadError: string | undefined
  /** Messages that arrived since the view opened, highlighted for a while. */
  fresh: FreshMarks
  /** The latest arrival announcement, for a polite live region. */
  announce: string
  /** Loads again now (after an action of the user's own). */
  refresh(): void
}

/**
 * Keeps a mailbox's newest headers up to date: reloaded the moment the live stream reports a
 * change of the mailbox, or every {@link HEADERS_POLL_MS} while the stream is not up. Messages
 * that appear after the first load are marked fresh and announced. Only inside the console shell.
 *
 * @example
 * ```ts
 * const { list, loadError, fresh, announce, refresh } = useMailboxMessages('orders@shop')
 * ```
 */
export function useMailboxMessages(receiver: string): MailboxMessages {
  const ctx = useConsole()
  const { client, track } = ctx
  const [list, setList] = useState<LoadedMessages | undefined>()
  const [loadError, setLoadError] = useState<string | undefined>()
  const [fresh, setFresh] = useState<FreshMarks>(new Map())
  const [announce, setAnnounce] = useState('')
  const seen = useRef<Set<string> | undefined>(undefined)

  const refresh = useLiveTask(
    async () => {
      try {
        const result = await track(loadHeaders((q) => client.headers(receiver, q)))
        setLoadError(undefined)
        // Everything on the first load is old news; later arrivals are highlighted and announced.
        const arrived = findArrivals(seen.current, result.headers)
        seen.current = new Set(result.headers.map((h) => h.mid))
        if (arrived.length > 0) {
          const at = serverNow(ctx.clockOffset)
          setFresh((marks) =>
            markFresh(
              marks,
              arrived.map((h) => h.mid),
              at,
            ),
          )
          setAnnounce(arrivalAnnouncement(arrived.length, receiver))
        }
        setList(result)
      } catch (error) {
        setLoadError(describeError(error))
        throw error
      }
    },
    HEADERS_POLL_MS,
    [client, receiver, track],
    (change) => change.resync || change.receivers.has(receiver),
  )

  return { list, loadError, fresh, announce, refresh }
}
