import type { MessageRecord } from '@pandora/client'
import { PandoraError, RESERVED_FIELDS } from '@pandora/core'
import { useEffect, useRef, useState } from 'preact/hooks'
import { useConsole } from './console-context.js'
import { formatBytes, formatRelative, formatRemaining, formatTimestamp, shortId } from './format.js'
import { describeError } from './link-state.js'
import { messageState, nextDue, previousOutcome } from './message-state.js'
import { StatusBadge } from './status-badge.js'
import { useLiveTask } from './use-live-task.js'
import { useServerNow } from './use-now.js'
import { navigate } from './use-route.js'

/** How often an open message is refreshed while the tab is visible. */
export const DETAIL_POLL_MS = 1500
const RESERVED = new Set<string>(RESERVED_FIELDS)

/** One message: fields, state, deliveries, lease with a ticking countdown, times; ack/reject if held here. */
export function MessageDetail(props: { receiver: string; mid: string; onChanged: () => void }) {
  const { receiver, mid, onChanged } = props
  const ctx = useConsole()
  const { client, track, notify } = ctx
  const now = useServerNow(250)
  const [message, setMessage] = useState<MessageRecord | undefined>()
  const [missing, setMissing] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const heading = useRef<HTMLHeadingElement>(null)
  const held = ctx.leases.get(mid)

  const refresh = useLiveTask(
    async () => {
      try {
        const m = await track(client.getMessage(mid))
        setMessage(m)
        setMissing(false)
        setError(undefined)
      } catch (e) {
        if (e instanceof PandoraError && e.code === 'not_found') setMissing(true)
        else setError(describeError(e))
        throw e
      }
    },
    DETAIL_POLL_MS,
    [client, mid, track],
    (change) => change.resync || change.mids.has(mid) || change.unnamed.has(receiver),
  )

  // Move focus to the detail when it opens so keyboard and screen reader users land on it.
  useEffect(() => heading.current?.focus(), [])

  // A lease held here that ran out can no longer be acked: let go of it and say so.
  const heldExpired = held !== undefined && held.leasedUntil.getTime() <= now
  useEffect(() => {
    if (!heldExpired) return
    ctx.dropLease(mid)
    notify('info', `Your lease on ${shortId(mid)} expired; the message is available again.`)
  }, [heldExpired, mid, ctx, notify])

  const settle = async (how: 'ack' | 'reject') => {
    if (!held) return
    setBusy(true)
    try {
      await track(how === 'ack' ? held.ack() : held.reject())
      notify(
        'success',
        how === 'ack'
          ? `Acked ${shortId(mid)}: confirmed.`
          : `Rejected ${shortId(mid)}: it will be delivered again.`,
      )
    } catch (e) {
      notify('error', `${how === 'ack' ? 'Ack' : 'Reject'} failed: ${describeError(e)}`)
    } finally {
      ctx.dropLease(mid)
      setBusy(false)
      refresh()
      onChanged()
    }
  }

  const state = message ? messageState(message, now) : undefined
  const leaseLeft = message?.leasedUntil ? message.leasedUntil.getTime() - now : 0
  const fields = message?.fields ? [...Object.entries(message.fields.toJSON())] : []
  const own = fields.filter(([name]) => !RESERVED.has(name))
  const stamped = fields.filter(([name]) => RESERVED.has(name))

  return (
    <aside class="card detail" aria-labelledby="detail-title">
      <div class="detail-head">
        <h2 id="detail-title" ref={heading} tabIndex={-1}>
          Message <span class="mono">{shortId(mid, 12)}</span>
        </h2>
        <button
          type="button"
          class="btn btn-ghost btn-small"
          aria-label="Close message detail"
          onClick={() => navigate({ view: 'mailbox', receiver })}
        >
          ×
        </button>
      </div>
      {missing ? (
        <p class="empty" role="status">
          This message no longer exists (the mailbox may have been purged).
        </p>
      ) : !message ? (
        error ? (
          <p class="empty error-text" role="alert">
            Could not load the message: {error}
          </p>
        ) : (
          <p class="empty" role="status">
            <span class="spinner" aria-hidden="true" /> Loading…
          </p>
        )
      ) : (
        <>
          {held && !heldExpired ? (
            <div class="lease lease-held">
              <p>
                <strong>You hold the lease</strong> · expires in{' '}
                <span class="mono" data-testid="lease-remaining">
                  {formatRemaining(held.leasedUntil.getTime() - now)}
                </span>
              </p>
              <p class="muted small mono">lid {shortId(held.lid, 16)}</p>
              <div class="lease-actions">
                <button type="button" class="btn btn-primary" disabled={busy} onClick={() => settle('ack')}>
                  Ack
                </button>
                <button type="button" class="btn" disabled={busy} onClick={() => settle('reject')}>
                  Reject
                </button>
              </div>
            </div>
          ) : state === 'leased' ? (
            <div class="lease">
              <p>
                <strong>Leased by a receiver</strong> · expires in{' '}
                <span class="mono" data-testid="lease-remaining">
                  {formatRemaining(leaseLeft)}
                </span>
              </p>
            </div>
          ) : null}

          <dl class="meta">
            <dt>State</dt>
            <dd>
              {state && <StatusBadge state={state} />}{' '}
              <span class="muted small">
                status {message.statusName} ({message.status})
                {previousOutcome(message.status) ? ` · ${previousOutcome(message.status)}` : ''}
              </span>
            </dd>
            <dt>Deliveries</dt>
            <dd data-testid="delivery-count">{message.deliveryCount}</dd>
            <dt>Priority</dt>
            <dd data-testid="priority">
              {message.priority}{' '}
              <span class="muted small">
                {message.priority > 0
                  ? '(before priority 0)'
                  : message.priority < 0
                    ? '(after priority 0)'
                    : '(default)'}
              </span>
            </dd>
            <dt>Last failure</dt>
            <dd data-testid="failure">
              {message.failedAt ? (
                <>
                  <span class="failure-reason" data-testid="failure-reason">
                    {message.failureReason ?? <span class="muted">no reason given</span>}
                  </span>{' '}
                  <span class="muted small">
                    {formatTimestamp(message.failedAt)} ({formatRelative(message.failedAt, now)})
                  </span>
                </>
              ) : (
                <span class="muted">none</span>
              )}
            </dd>
            <dt>From</dt>
            <dd class="break">{message.sender}</dd>
            <dt>To</dt>
            <dd class="break">{message.receiver}</dd>
            <dt>Received</dt>
            <dd>
              {formatTimestamp(message.receivedAt)}{' '}
              <span class="muted small">({formatRelative(message.receivedAt, now)})</span>
            </dd>
            <dt>Due</dt>
            <dd>
              {formatTimestamp(nextDue(message))}{' '}
              <span class="muted small">({formatRelative(nextDue(message), now)})</span>
            </dd>
            <dt>Lease until</dt>
            <dd>
              {message.leasedUntil ? (
                <>
                  {formatTimestamp(message.leasedUntil)}{' '}
                  <span class="muted small">({formatRemaining(leaseLeft)} left)</span>
                </>
              ) : (
                <span class="muted">none</span>
              )}
            </dd>
            <dt>Size</dt>
            <dd>{formatBytes(message.size)}</dd>
            <dt>mid</dt>
            <dd class="mono break small">{message.mid}</dd>
          </dl>

          <h3>Fields</h3>
          {message.fields === null ? (
            <p class="muted">The body was collected after the message was confirmed.</p>
          ) : (
            <table class="table fields-table">
              <caption class="sr-only">Fields of the message</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {[...own, ...stamped].map(([name, values]) =>
                  values.map((value, i) => (
                    <tr key={`${name}:${i}`} class={RESERVED.has(name) ? 'field-stamped' : ''}>
                      <th scope="row" class="mono">
                        {name}
                      </th>
                      <td class="mono break">{value === '' ? <span class="muted">(empty)</span> : value}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          )}
        </>
      )}
    </aside>
  )
}
