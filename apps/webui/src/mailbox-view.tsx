import type { MessageSummary } from '@pandora/client'
import { useEffect, useRef, useState } from 'preact/hooks'
import { serverNow } from './clock-offset.js'
import { ConfirmDialog } from './confirm-dialog.js'
import { useConsole } from './console-context.js'
import {
  formatBytes,
  formatCount,
  formatRelative,
  formatRemaining,
  formatTimestamp,
  shortId,
} from './format.js'
import { describeError } from './link-state.js'
import { loadHeaders } from './load-headers.js'
import { MessageDetail } from './message-detail.js'
import { type MessageState, messageState } from './message-state.js'
import { routeHref } from './route.js'
import { StatusBadge } from './status-badge.js'
import { useServerNow } from './use-now.js'
import { usePoll } from './use-poll.js'
import { navigate } from './use-route.js'

/** How often a mailbox's message list is refreshed while the tab is visible. */
export const HEADERS_POLL_MS = 1500
/** How long a newly seen message stays highlighted. */
const FRESH_MS = 6000

const LEASES = [
  { ms: 30_000, label: '30 seconds' },
  { ms: 60_000, label: '1 minute' },
  { ms: 300_000, label: '5 minutes' },
  { ms: 900_000, label: '15 minutes' },
]
const STATES: MessageState[] = ['pending', 'leased', 'delayed', 'dead', 'confirmed']

/** One mailbox: counts, actions, its messages live, and the selected message's detail. */
export function MailboxView(props: { receiver: string; mid?: string | undefined }) {
  const { receiver, mid } = props
  const ctx = useConsole()
  const { client, track, notify } = ctx
  // Server time: lease ends and due times are on the server's clock; fresh marks are kept on it too.
  const now = useServerNow()
  const [list, setList] = useState<{ headers: MessageSummary[]; truncated: boolean } | undefined>()
  const [loadError, setLoadError] = useState<string | undefined>()
  const [fresh, setFresh] = useState<ReadonlyMap<string, number>>(new Map())
  const [announce, setAnnounce] = useState('')
  const [leaseTime, setLeaseTime] = useState(60_000)
  const [filter, setFilter] = useState<MessageState | 'all'>('all')
  const [busy, setBusy] = useState<string | undefined>()
  const [confirmPurge, setConfirmPurge] = useState(false)
  const seen = useRef<Set<string> | undefined>(undefined)

  const stats = ctx.mailboxes?.find((m) => m.receiver === receiver) ?? {
    receiver,
    pending: 0,
    leased: 0,
    delayed: 0,
    dead: 0,
    confirmed: 0,
  }

  const refresh = usePoll(
    async () => {
      try {
        const result = await track(loadHeaders((q) => client.headers(receiver, q)))
        setLoadError(undefined)
        // Everything on the first load is old news; later arrivals are highlighted and announced.
        const known = seen.current
        const arrived = known ? result.headers.filter((h) => !known.has(h.mid)) : []
        seen.current = new Set(result.headers.map((h) => h.mid))
        if (arrived.length > 0) {
          const at = serverNow(ctx.clockOffset)
          setFresh((map) => {
            const next = new Map([...map].filter(([, t]) => at - t < FRESH_MS))
            for (const h of arrived) next.set(h.mid, at)
            return next
          })
          setAnnounce(`${arrived.length} new ${arrived.length === 1 ? 'message' : 'messages'} in ${receiver}`)
        }
        setList(result)
      } catch (error) {
        setLoadError(describeError(error))
        throw error
      }
    },
    HEADERS_POLL_MS,
    [client, receiver, track],
  )

  const afterAction = () => {
    refresh()
    ctx.refreshMailboxes()
  }

  const fetchOne = async () => {
    setBusy('fetch')
    try {
      const message = await track(client.fetch(receiver, { leaseTime }))
      if (!message) notify('info', `No message is due in ${receiver} right now.`)
      else {
        ctx.holdLease(message)
        notify('success', `Leased ${shortId(message.mid)} for ${formatRemaining(leaseTime)}.`)
        navigate({ view: 'mailbox', receiver, mid: message.mid })
      }
    } catch (error) {
      notify('error', `Fetch failed: ${describeError(error)}`)
    } finally {
      setBusy(undefined)
      afterAction()
    }
  }

  const redrive = async () => {
    setBusy('redrive')
    try {
      const count = await track(client.redrive(receiver))
      notify('success', `Redrove ${count} dead ${count === 1 ? 'letter' : 'letters'}.`)
    } catch (error) {
      notify('error', `Redrive failed: ${describeError(error)}`)
    } finally {
      setBusy(undefined)
      afterAction()
    }
  }

  const purge = async () => {
    setConfirmPurge(false)
    setBusy('purge')
    try {
      const count = await track(client.purge(receiver))
      notify('success', `Purged ${count} ${count === 1 ? 'message' : 'messages'} from ${receiver}.`)
      if (mid) navigate({ view: 'mailbox', receiver })
    } catch (error) {
      notify('error', `Purge failed: ${describeError(error)}`)
    } finally {
      setBusy(undefined)
      afterAction()
    }
  }

  // Esc closes the detail pane from anywhere in the view.
  useEffect(() => {
    if (!mid) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !document.querySelector('dialog[open]'))
        navigate({ view: 'mailbox', receiver })
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [mid, receiver])

  const shown = list?.headers.filter((h) => filter === 'all' || messageState(h, now) === filter) ?? []
  const total = stats.pending + stats.leased + stats.delayed + stats.dead + stats.confirmed

  return (
    <section class="page" aria-labelledby="mailbox-title">
      <div class="page-head">
        <div class="page-title">
          <p class="eyebrow">
            <a href={routeHref({ view: 'mailboxes' })}>Mailboxes</a> /
          </p>
          <h1 id="mailbox-title" class="mailbox-name">
            {receiver}
          </h1>
        </div>
        <a class="btn" href={routeHref({ view: 'compose', to: receiver })}>
          Compose to this mailbox
        </a>
      </div>

      <ul class="stats" aria-label="Message counts">
        {STATES.map((s) => (
          <li key={s} class={`stat stat-${s}`} data-testid={`count-${s}`}>
            <span class="stat-value" key={stats[s]}>
              {formatCount(stats[s])}
            </span>
            <span class="stat-label">{s}</span>
          </li>
        ))}
      </ul>

      <div class="toolbar">
        <div class="toolbar-group">
          <label for="lease-time">Lease</label>
          <select
            id="lease-time"
            value={leaseTime}
            onChange={(e) => setLeaseTime(Number(e.currentTarget.value))}
          >
            {LEASES.map((l) => (
              <option key={l.ms} value={l.ms}>
                {l.label}
              </option>
            ))}
          </select>
          <button type="button" class="btn btn-primary" onClick={fetchOne} disabled={busy !== undefined}>
            {busy === 'fetch' ? 'Fetching…' : 'Fetch & lock one'}
          </button>
        </div>
        <div class="toolbar-group">
          <button
            type="button"
            class="btn"
            onClick={redrive}
            disabled={busy !== undefined || stats.dead === 0}
          >
            {busy === 'redrive' ? 'Redriving…' : `Redrive dead (${formatCount(stats.dead)})`}
          </button>
          <button
            type="button"
            class="btn btn-danger-outline"
            onClick={() => setConfirmPurge(true)}
            disabled={busy !== undefined || total === 0}
          >
            Purge…
          </button>
        </div>
      </div>

      <p class="sr-only" aria-live="polite">
        {announce}
      </p>

      <div class={`split${mid ? ' split-open' : ''}`}>
        <div class="card list-card">
          <div class="list-head">
            <h2>Messages</h2>
            <label class="inline-label">
              <span>Show</span>
              <select
                value={filter}
                onChange={(e) => setFilter(e.currentTarget.value as MessageState | 'all')}
                aria-label="Show messages in state"
              >
                <option value="all">All</option>
                {STATES.map((s) => (
                  <option key={s} value={s}>
                    {s[0]!.toUpperCase() + s.slice(1)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {list === undefined ? (
            loadError ? (
              <p class="empty error-text" role="alert">
                Could not load messages: {loadError}
              </p>
            ) : (
              <p class="empty" role="status">
                <span class="spinner" aria-hidden="true" /> Loading messages…
              </p>
            )
          ) : list.headers.length === 0 ? (
            <div class="empty">
              <p>
                <strong>No messages in this mailbox.</strong>
              </p>
              <p class="muted">New messages appear here as they arrive, without reloading.</p>
            </div>
          ) : shown.length === 0 ? (
            <p class="empty muted">No {filter} messages right now.</p>
          ) : (
            <div class="table-wrap">
              <table class="table table-messages">
                <caption class="sr-only">Messages of {receiver}, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">State</th>
                    <th scope="col">Message</th>
                    <th scope="col" class="col-optional">
                      From
                    </th>
                    <th scope="col">Received</th>
                    <th scope="col" class="num">
                      Deliveries
                    </th>
                    <th scope="col">Lease / due</th>
                    <th scope="col" class="num col-optional">
                      Size
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((h) => {
                    const state = messageState(h, now)
                    const isFresh = (fresh.get(h.mid) ?? 0) > now - FRESH_MS
                    const href = routeHref({ view: 'mailbox', receiver, mid: h.mid })
                    return (
                      <tr
                        key={h.mid}
                        class={`${isFresh ? 'row-new ' : ''}${mid === h.mid ? 'row-selected' : ''}`}
                        aria-current={mid === h.mid ? 'true' : undefined}
                        data-mid={h.mid}
                        onClick={(e) => {
                          if ((e.target as HTMLElement).closest('a')) return
                          location.hash = href
                        }}
                      >
                        <td>
                          <StatusBadge state={state} />
                          {isFresh && <span class="new-tag">new</span>}
                        </td>
                        <td>
                          <a class="mono" href={href} title={h.mid}>
                            {shortId(h.mid)}
                          </a>
                        </td>
                        <td class="truncate col-optional" title={h.sender}>
                          {h.sender}
                        </td>
                        <td title={formatTimestamp(h.receivedAt)}>{formatRelative(h.receivedAt, now)}</td>
                        <td class="num">{h.deliveryCount}</td>
                        <td>
                          {state === 'leased' && h.leasedUntil
                            ? `${formatRemaining(h.leasedUntil.getTime() - now)} left`
                            : state === 'delayed'
                              ? `due ${formatRelative(h.sendWhen, now)}`
                              : '—'}
                        </td>
                        <td class="num col-optional">{formatBytes(h.size)}</td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          )}
          {list?.truncated && (
            <p class="muted small list-foot">
              Showing the newest {formatCount(list.headers.length)} messages of a larger mailbox.
            </p>
          )}
        </div>
        {mid && <MessageDetail key={mid} receiver={receiver} mid={mid} onChanged={afterAction} />}
      </div>

      {confirmPurge && (
        <ConfirmDialog
          title={`Purge ${receiver}?`}
          confirmLabel="Purge mailbox"
          onConfirm={purge}
          onCancel={() => setConfirmPurge(false)}
        >
          <p>
            This deletes all {formatCount(total)} messages of <strong>{receiver}</strong>, leased and dead
            ones included. It cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  )
}
