import type { MailboxStats, Message, PandoraClient, ServerInfo } from '@pandora/client'
import { PandoraError } from '@pandora/core'
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks'
import { readInfo } from './clock-offset.js'
import { ComposeForm } from './compose-form.js'
import { ConsoleContext, type ConsoleState, type Notice } from './console-context.js'
import { formatCount } from './format.js'
import { LinkBanner } from './link-banner.js'
import { describeError, isLinkFailure, type LinkState, nextLinkState } from './link-state.js'
import { LiveFeed } from './live-feed.js'
import { LiveIndicator } from './live-indicator.js'
import { MailboxOverview } from './mailbox-overview.js'
import { MailboxView } from './mailbox-view.js'
import { routeHref } from './route.js'
import type { Session } from './session.js'
import { useShallowMemo } from './shallow-memo.js'
import { useFeedTask } from './use-live-task.js'
import { usePoll } from './use-poll.js'
import { useRoute } from './use-route.js'

/** How often the mailbox counts are refreshed while the tab is visible and the live stream is not up. */
export const MAILBOX_POLL_MS = 2000
/** How often the server's info (and with it the clock offset) is read again. */
export const INFO_POLL_MS = 60_000

/** The signed-in console: top bar, mailbox sidebar, the current screen, notices. */
export function Shell(props: {
  client: PandoraClient
  info: ServerInfo
  /** The clock offset measured with `info`; refreshed with it. */
  clockOffset: number
  session: Session
  onSignOut: (reason?: string) => void
}) {
  const { client, onSignOut } = props
  const [{ info, clockOffset }, setReading] = useState({ info: props.info, clockOffset: props.clockOffset })
  const route = useRoute()
  const [link, dispatchLink] = useReducer(nextLinkState, { kind: 'ok' } as LinkState)
  const [mailboxes, setMailboxes] = useState<readonly MailboxStats[] | undefined>(undefined)
  const [notices, setNotices] = useState<Notice[]>([])
  const [leases, setLeases] = useState<ReadonlyMap<string, Message>>(new Map())
  const nextNotice = useRef(0)

  const track = useCallback(
    async <T,>(request: Promise<T>): Promise<T> => {
      try {
        const value = await request
        dispatchLink({ type: 'success', at: Date.now() })
        return value
      } catch (error) {
        if (isLinkFailure(error))
          dispatchLink({ type: 'failure', at: Date.now(), reason: describeError(error) })
        else if (error instanceof PandoraError && error.code === 'unauthorized') {
          onSignOut('Your session ended: the server no longer accepts the token.')
        } else dispatchLink({ type: 'success', at: Date.now() })
        throw error
      }
    },
    [onSignOut],
  )

  useEffect(() => {
    if (link.kind !== 'recovered') return
    const timer = setInterval(() => dispatchLink({ type: 'tick', at: Date.now() }), 1000)
    return () => clearInterval(timer)
  }, [link.kind])

  const notify = useCallback((kind: Notice['kind'], text: string) => {
    const id = ++nextNotice.current
    setNotices((list) => [...list.slice(-3), { id, kind, text }])
    setTimeout(() => setNotices((list) => list.filter((n) => n.id !== id)), kind === 'error' ? 10_000 : 5000)
  }, [])

  // The live stream: counts arrive with every change; the views refresh when theirs changed.
  // Creating the feed opens nothing (a render may create one and drop it); the effect opens and closes it.
  const feed = useMemo(() => new LiveFeed(client), [client])
  useEffect(() => {
    feed.open()
    return () => feed.close()
  }, [feed])
  const [feedStatus, setFeedStatus] = useState(feed.status)
  useEffect(() => {
    setFeedStatus(feed.status)
    return feed.onStatus((status) => {
      setFeedStatus(status)
      // The stream answering proves the server reachable, as a request would: going live reloads
      // nothing over HTTP, so this is what tells a lost connection that it is back.
      if (status.mode === 'live') dispatchLink({ type: 'success', at: Date.now() })
    })
  }, [feed])
  useEffect(() => feed.onCounts(setMailboxes), [feed])

  // While the stream is up its snapshot and changes carry the counts: no change needs a reload.
  const refreshMailboxes = useFeedTask(
    feed,
    async () => {
      const list = await track(client.mailboxes())
      setMailboxes([...list].sort((a, b) => a.receiver.localeCompare(b.receiver)))
    },
    MAILBOX_POLL_MS,
    [client, track],
    () => false,
  )

  // Re-measured now and then: a browser clock can be corrected (or drift) while the console is open.
  // The first run only repeats what the boot just read, which is cheap and keeps one code path.
  usePoll(async () => setReading(await track(readInfo(client))), INFO_POLL_MS, [client, track])

  const holdLease = useCallback((m: Message) => setLeases((map) => new Map(map).set(m.mid, m)), [])
  const dropLease = useCallback(
    (mid: string) =>
      setLeases((map) => {
        const next = new Map(map)
        next.delete(mid)
        return next
      }),
    [],
  )
  const signOut = useCallback(() => onSignOut(), [onSignOut])
  // The same object until one of these changes: the context's consumers re-render only then.
  const state = useShallowMemo<ConsoleState>({
    client,
    info,
    clockOffset,
    mailboxes,
    refreshMailboxes,
    feed,
    feedStatus,
    track,
    notify,
    leases,
    holdLease,
    dropLease,
    signOut,
  })

  const current = route.view === 'mailbox' ? route.receiver : undefined

  return (
    <ConsoleContext.Provider value={state}>
      <button type="button" class="skip-link" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="topbar">
        <a class="brand" href={routeHref({ view: 'mailboxes' })}>
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          Pandora
        </a>
        <nav class="topnav" aria-label="Main">
          <a
            href={routeHref({ view: 'mailboxes' })}
            aria-current={route.view === 'mailboxes' ? 'page' : undefined}
          >
            Mailboxes
          </a>
          <a
            href={routeHref(current ? { view: 'compose', to: current } : { view: 'compose' })}
            aria-current={route.view === 'compose' ? 'page' : undefined}
          >
            Compose
          </a>
        </nav>
        <div class="topbar-end">
          <LiveIndicator link={link} feed={feedStatus} />
          <span class="muted small">v{info.version}</span>
          {info.authRequired && (
            <button type="button" class="btn btn-ghost btn-small" onClick={() => onSignOut()}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <LinkBanner link={link} />
      <div class="layout">
        <aside class="sidebar" aria-label="Mailboxes">
          <h2 class="sidebar-title">Mailboxes</h2>
          {mailboxes === undefined ? (
            <p class="muted small sidebar-note">Loading…</p>
          ) : mailboxes.length === 0 ? (
            <p class="muted small sidebar-note">No mailboxes yet.</p>
          ) : (
            <ul class="sidebar-list">
              {mailboxes.map((m) => (
                <li key={m.receiver}>
                  <a
                    href={routeHref({ view: 'mailbox', receiver: m.receiver })}
                    aria-current={current === m.receiver ? 'page' : undefined}
                  >
                    <span class="sidebar-name">{m.receiver}</span>
                    {m.dead > 0 && (
                      <span class="pill pill-dead" title={`${m.dead} dead`}>
                        {formatCount(m.dead)}
                        <span class="sr-only"> dead</span>
                      </span>
                    )}
                    <span class="pill" title={`${m.pending} pending`}>
                      {formatCount(m.pending)}
                      <span class="sr-only"> pending</span>
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </aside>
        <main id="main" tabIndex={-1}>
          {route.view === 'mailboxes' && <MailboxOverview />}
          {route.view === 'compose' && <ComposeForm session={props.session} initialTo={route.to} />}
          {route.view === 'mailbox' && (
            <MailboxView key={route.receiver} receiver={route.receiver} mid={route.mid} />
          )}
        </main>
      </div>
      <div class="notices" aria-live="polite">
        {notices.map((n) => (
          <div key={n.id} class={`notice notice-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
            <span>{n.text}</span>
            <button
              type="button"
              class="btn btn-ghost btn-small"
              aria-label="Dismiss"
              onClick={() => setNotices((list) => list.filter((x) => x.id !== n.id))}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </ConsoleContext.Provider>
  )
}
