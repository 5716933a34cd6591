import type { MailboxStats, Message, PandoraClient, ServerInfo } from '@pandora/client'
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { FeedStatus, LiveFeed } from './live-feed.js'

/** A notice shown in the console's status area. */
export interface Notice {
  id: number
  kind: 'success' | 'error' | 'info'
  text: string
}

/** What every screen of the console shares. */
export interface ConsoleState {
  client: PandoraClient
  info: ServerInfo
  /**
   * The server's clock minus this browser's, in ms, measured from the latest info reply. Lease
   * ends and due times are server times: countdowns use {@link useServerNow}, which adds this.
   */
  clockOffset: number
  /** Counts of every mailbox, refreshed live by the shell. */
  mailboxes: readonly MailboxStats[] | undefined
  /** Refresh the mailbox counts now (after an action of the user's own). */
  refreshMailboxes(): void
  /** The server's live event stream; views follow it with `useLiveTask`. */
  feed: LiveFeed
  /** Whether the stream is live, or the views poll (and why). */
  feedStatus: FeedStatus
  /**
   * Reports how a request went: failures that mean the link is down show the lost-connection
   * banner, a refused token signs out, and a success after a failure shows the recovery.
   */
  track<T>(request: Promise<T>): Promise<T>
  notify(kind: Notice['kind'], text: string): void
  /** Messages this tab holds a lease on (fetched here), by mid; only these can be acked here. */
  leases: ReadonlyMap<string, Message>
  holdLease(message: Message): void
  dropLease(mid: string): void
  signOut(): void
}

export const ConsoleContext = createContext<ConsoleState | undefined>(undefined)

/** The shared console state; only inside the signed-in shell. */
export function useConsole(): ConsoleState {
  const value = useContext(ConsoleContext)
  if (!value) throw new Error('useConsole outside the console shell')
  return value
}
