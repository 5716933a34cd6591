import { useEffect } from 'preact/hooks'
import { useConsole } from './console-context.js'
import { MailboxActions } from './mailbox-actions.js'
import { emptyStats, MailboxCounts } from './mailbox-counts.js'
import { MessageDetail } from './message-detail.js'
import { MessageList } from './message-list.js'
import { RetryPolicyPanel } from './retry-policy-panel.js'
import { routeHref } from './route.js'
import { useMailboxMessages } from './use-mailbox-messages.js'
import { useServerNow } from './use-now.js'
import { navigate } from './use-route.js'

/**
 * One mailbox: counts, actions, its messages live, and the selected message's detail. It composes
 * {@link MailboxCounts}, {@link MailboxActions}, {@link MessageList} (fed by
 * {@link useMailboxMessages}) and {@link MessageDetail}.
 */
export function MailboxView(props: { receiver: string; mid?: string | undefined }) {
  const { receiver, mid } = props
  const ctx = useConsole()
  // Server time: lease ends and due times are on the server's clock; fresh marks are kept on it too.
  const now = useServerNow()
  const { list, loadError, fresh, announce, refresh } = useMailboxMessages(receiver)
  const stats = ctx.mailboxes?.find((m) => m.receiver === receiver) ?? emptyStats(receiver)

  const afterAction = () => {
    refresh()
    ctx.refreshMailboxes()
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

      <MailboxCounts stats={stats} />

      <MailboxActions receiver={receiver} mid={mid} stats={stats} onChanged={afterAction} />

      <RetryPolicyPanel receiver={receiver} />

      <p class="sr-only" aria-live="polite">
        {announce}
      </p>

      <div class={`split${mid ? ' split-open' : ''}`}>
        <MessageList
          receiver={receiver}
          mid={mid}
          list={list}
          loadError={loadError}
          fresh={fresh}
          now={now}
        />
        {mid && <MessageDetail key={mid} receiver={receiver} mid={mid} onChanged={afterAction} />}
      </div>
    </section>
  )
}
