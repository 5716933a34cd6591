import { useConsole } from './console-context.js'
import { formatCount } from './format.js'
import { routeHref } from './route.js'

const COLUMNS = ['pending', 'leased', 'delayed', 'dead', 'confirmed'] as const

/** Every mailbox with its counts, refreshed live. */
export function MailboxOverview() {
  const { mailboxes, feedStatus } = useConsole()
  const freshness = feedStatus.mode === 'live' ? 'counts update live' : 'counts refresh every 2 seconds'
  return (
    <section class="page" aria-labelledby="overview-title">
      <div class="page-head">
        <div>
          <h1 id="overview-title">Mailboxes</h1>
          <p class="muted">
            {mailboxes === undefined
              ? 'Loading…'
              : `${mailboxes.length} ${mailboxes.length === 1 ? 'mailbox' : 'mailboxes'} · ${freshness}`}
          </p>
        </div>
        <a class="btn btn-primary" href={routeHref({ view: 'compose' })}>
          Compose message
        </a>
      </div>
      {mailboxes === undefined ? (
        <div class="card empty" role="status">
          <span class="spinner" aria-hidden="true" /> Loading mailboxes…
        </div>
      ) : mailboxes.length === 0 ? (
        <div class="card empty">
          <h2>No mailboxes yet</h2>
          <p class="muted">A mailbox appears as soon as the first message is sent to it.</p>
          <a class="btn btn-primary" href={routeHref({ view: 'compose' })}>
            Send the first message
          </a>
        </div>
      ) : (
        <div class="card table-wrap">
          <table class="table">
            <caption class="sr-only">Messages per mailbox and state</caption>
            <thead>
              <tr>
                <th scope="col">Mailbox</th>
                {COLUMNS.map((c) => (
                  <th scope="col" class="num" key={c}>
                    {c[0]!.toUpperCase() + c.slice(1)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {mailboxes.map((m) => (
                <tr key={m.receiver}>
                  <th scope="row">
                    <a href={routeHref({ view: 'mailbox', receiver: m.receiver })}>{m.receiver}</a>
                  </th>
                  {COLUMNS.map((c) => (
                    <td class={`num${m[c] === 0 ? ' zero' : c === 'dead' ? ' count-dead' : ''}`} key={c}>
                      {formatCount(m[c])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
