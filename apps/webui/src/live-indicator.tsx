import type { LinkState } from './link-state.js'
import type { FeedStatus } from './live-feed.js'

const TEXTS = {
  live: { label: 'Live', title: 'Live: changes show the moment they happen' },
  connecting: {
    label: 'Connecting',
    title: 'Opening the live stream; refreshing every 1.5–2 seconds meanwhile',
  },
  polling: { label: 'Polling', title: 'Refreshing every 1.5–2 seconds' },
  offline: { label: 'Offline', title: 'The server cannot be reached' },
} as const

/**
 * The top bar's small status: `Live` while the server's event stream updates the console as
 * things happen, `Connecting` until it answers, `Polling` while it is refused or away (the views refresh every 1.5–2 s, the
 * tooltip says why), `Offline` while the server cannot be reached at all.
 */
export function LiveIndicator(props: { link: LinkState; feed: FeedStatus }) {
  const { link, feed } = props
  const mode = link.kind === 'lost' ? 'offline' : feed.mode
  const { label, title } = TEXTS[mode]
  const why = mode === 'polling' && feed.reason ? `: ${feed.reason}` : ''
  return (
    <span class={`live-dot live-${mode}`} data-testid="live-mode" data-mode={mode} title={title + why}>
      {label}
    </span>
  )
}
