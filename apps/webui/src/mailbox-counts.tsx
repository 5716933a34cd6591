import type { MailboxStats } from '@pandora/client'
import { formatCount } from './format.js'
import { MESSAGE_STATES } from './message-state.js'

/** A mailbox's counts with no message in it (before the shell's counts arrive). */
export function emptyStats(receiver: string): MailboxStats {
  return { receiver, pending: 0, leased: 0, delayed: 0, dead: 0, confirmed: 0 }
}

/** Every message of a mailbox, whatever its state. */
export function totalCount(stats: MailboxStats): number {
  return stats.pending + stats.leased + stats.delayed + stats.dead + stats.confirmed
}

/** A mailbox's counts, one tile per state. */
export function MailboxCounts(props: { stats: MailboxStats }) {
  const { stats } = props
  return (
    <ul class="stats" aria-label="Message counts">
      {MESSAGE_STATES.map((s) => (
        <li key={s} class={`stat stat-${s}`} data-testid={`count-${s}`}>
          <span class="stat-value" key={stats[s]}>
            {formatCount(stats[s])}
          </span>
          <span class="stat-label">{s}</span>
        </li>
      ))}
    </ul>
  )
}
