import { PandoraError } from '@pandora/core/protocol'

/**
 * How a lease was lost: `renewal_refused` (the server refused to renew it: the lid is no longer
 * the message's), `expired` (its end passed without a successful renewal, e.g. while the socket was
 * down) or `revoked` (the server took it away: an admin purged the mailbox).
 */
export type LeaseLostKind = 'renewal_refused' | 'expired' | 'revoked'

/**
 * The reason of a handler's `signal` when the SDK learns that the message's lease is gone, so the
 * work can stop: another consumer may already be redoing it, and its ack would fail. `kind` says
 * how; `cause` holds what the SDK saw, when there is something (the server's refusal, the last
 * failed renewal).
 *
 * @example
 * ```ts
 * pandora.subscribe('reports@shop', async (msg) => {
 *   await fetch(url, { signal: msg.signal }) // rejects with the LeaseLostError once the lease is lost
 * }, {
 *   onError: (e) => { if (e instanceof LeaseLostError) console.warn(e.kind, e.message) },
 * })
 * ```
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError'
  readonly kind: LeaseLostKind

  constructor(kind: LeaseLostKind, options?: { cause?: unknown }) {
    // "lease lost: renewal refused", "lease lost: expired", "lease lost: revoked"
    super(`lease lost: ${kind.replace('_', ' ')}`, options)
    this.kind = kind
  }
}

// Refusals that mean the lid is no longer the message's: renewing again cannot help.
const GONE = new Set(['unable_to_change_status', 'not_found', 'invalid_key'])

/** True when `error` is the server saying that a lease no longer exists. */
export function isLeaseGone(error: unknown): boolean {
  return error instanceof PandoraError && GONE.has(error.code)
}
