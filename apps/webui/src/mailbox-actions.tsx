import type { MailboxStats } from '@pandora/client'
import { useState } from 'preact/hooks'
import { ConfirmDialog } from './confirm-dialog.js'
import { useConsole } from './console-context.js'
import { formatCount, formatRemaining, shortId } from './format.js'
import { describeError } from './link-state.js'
import { totalCount } from './mailbox-counts.js'
import { navigate } from './use-route.js'

const LEASES = [
  { ms: 30_000, label: '30 seconds' },
  { ms: 60_000, label: '1 minute' },
  { ms: 300_000, label: '5 minutes' },
  { ms: 900_000, label: '15 minutes' },
]

/**
 * A mailbox's toolbar: fetch and lock one message (for the chosen lease), redrive dead letters,
 * purge (after a confirmation). One action at a time; each reports through the console's notices
 * and then calls `onChanged`.
 */
export function MailboxActions(props: {
  receiver: string
  /** The message open in the detail pane; a purge closes it. */
  mid: string | undefined
  stats: MailboxStats
  onChanged(): void
}) {
  const { receiver, mid, stats, onChanged } = props
  const ctx = useConsole()
  const { client, track, notify } = ctx
  const [leaseTime, setLeaseTime] = useState(60_000)
  const [busy, setBusy] = useState<string | undefined>()
  const [confirmPurge, setConfirmPurge] = useState(false)
  const total = totalCount(stats)

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
      onChanged()
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
      onChanged()
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
      onChanged()
    }
  }

  return (
    <>
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
    </>
  )
}
