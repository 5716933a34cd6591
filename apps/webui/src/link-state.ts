import { PandoraError } from '@pandora/core'

/** How the console's link to the server is doing, as the user should see it. */
export type LinkState =
  | { kind: 'ok' }
  | { kind: 'lost'; since: number; failures: number; reason: string }
  | { kind: 'recovered'; at: number; downFor: number }

/** Something that happened to a request. */
export type LinkEvent =
  | { type: 'success'; at: number }
  | { type: 'failure'; at: number; reason: string }
  /** Time passed: a "recovered" notice fades back to normal after a while. */
  | { type: 'tick'; at: number }

/** How long the "connection restored" notice stays. */
export const RECOVERED_NOTICE_MS = 5000

/**
 * The next link state. A failure marks the link lost (counting failures since when); the first
 * success after that shows a recovery notice, which a later tick clears.
 */
export function nextLinkState(state: LinkState, event: LinkEvent): LinkState {
  switch (event.type) {
    case 'failure':
      return state.kind === 'lost'
        ? { ...state, failures: state.failures + 1, reason: event.reason }
        : { kind: 'lost', since: event.at, failures: 1, reason: event.reason }
    case 'success':
      return state.kind === 'lost'
        ? { kind: 'recovered', at: event.at, downFor: event.at - state.since }
        : state
    case 'tick':
      return state.kind === 'recovered' && event.at - state.at >= RECOVERED_NOTICE_MS ? { kind: 'ok' } : state
  }
}

/**
 * True when an error means the server could not be reached or answered with a server fault (the
 * link is down), rather than refusing one request for a reason the user must fix.
 */
export function isLinkFailure(error: unknown): boolean {
  if (error instanceof PandoraError) {
    return error.code === 'unavailable' || error.code === 'timeout' || error.status >= 500
  }
  // fetch rejects with a TypeError when the network is gone.
  return error instanceof TypeError
}

/** A sentence for the user from any error. */
export function describeError(error: unknown): string {
  if (error instanceof PandoraError) return error.message
  if (error instanceof Error) return error.message
  return String(error)
}

/** What a refused token means for the user. */
export function tokenProblem(error: unknown): string | undefined {
  if (!(error instanceof PandoraError)) return undefined
  if (error.code === 'unauthorized') return 'That token was not accepted.'
  if (error.code === 'forbidden') return 'That token has no admin rights; the console needs an admin token.'
  return undefined
}
