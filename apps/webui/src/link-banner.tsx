import { formatRemaining } from './format.js'
import type { LinkState } from './link-state.js'

/** The lost-connection banner and, once the server answers again, the recovery notice. */
export function LinkBanner(props: { link: LinkState }) {
  const { link } = props
  if (link.kind === 'lost') {
    const reason = link.reason.charAt(0).toUpperCase() + link.reason.slice(1)
    return (
      <div class="banner banner-lost" role="alert">
        <strong>Connection lost.</strong> {reason.replace(/\.$/, '')}. Retrying every 2 seconds; what you see
        may be out of date.
      </div>
    )
  }
  if (link.kind === 'recovered') {
    return (
      <div class="banner banner-recovered" role="status">
        <strong>Connection restored</strong> after {formatRemaining(link.downFor)}. Everything is up to date
        again.
      </div>
    )
  }
  return null
}
