import { useState } from 'preact/hooks'
import {
  formatBytes,
  formatCount,
  formatRelative,
  formatRemaining,
  formatTimestamp,
  shortId,
} from './format.js'
import { type FreshMarks, isFresh } from './fresh-arrivals.js'
import { MESSAGE_STATES, type MessageState, messageState, nextDue } from './message-state.js'
import { routeHref } from './route.js'
import { StatusBadge } from './status-badge.js'
import type { LoadedMessages } from './use-mailbox-messages.js'

/**
 * A mailbox's messages, newest first, with a filter by state: loading, error and empty states,
 * new arrivals highlighted, the selected message marked; a row opens its message.
 */
export function MessageList(props: {
  receiver: string
  /** The message open in the detail pane. */
  mid: string | undefined
  list: LoadedMessages | undefined
  loadError: string | undefined
  fresh: FreshMarks
  /** Server time, ms. */
  now: number
}) {
  const { receiver, mid, list, loadError, fresh, now } = props
  const [filter, setFilter] = useState<MessageState | 'all'>('all')
  const shown = list?.headers.filter((h) => filter === 'all' || messageState(h, now) === filter) ?? []

  return (
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
            {MESSAGE_STATES.map((s) => (
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
                const isNew = isFresh(fresh, h.mid, now)
                const href = routeHref({ view: 'mailbox', receiver, mid: h.mid })
                return (
                  <tr
                    key={h.mid}
                    class={`${isNew ? 'row-new ' : ''}${mid === h.mid ? 'row-selected' : ''}`}
                    aria-current={mid === h.mid ? 'true' : undefined}
                    data-mid={h.mid}
                    onClick={(e) => {
                      if ((e.target as HTMLElement).closest('a')) return
                      location.hash = href
                    }}
                  >
                    <td>
                      <StatusBadge state={state} />
                      {h.priority !== 0 && (
                        <span
                          class="priority-tag"
                          title={`priority ${h.priority}`}
                          data-testid="priority-tag"
                        >
                          {h.priority > 0 ? `+${h.priority}` : h.priority}
                        </span>
                      )}
                      {isNew && <span class="new-tag">new</span>}
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
                          ? `due ${formatRelative(nextDue(h), now)}`
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
  )
}
