import { isValidMailbox, type JsonRouteId, PandoraError, routePath } from '@pandora/core/protocol'

/** Throws `invalid_mailbox` before anything leaves when `receiver` cannot be a mailbox name. */
export function assertReceiver(receiver: string): void {
  if (!isValidMailbox(receiver)) throw new PandoraError('invalid_mailbox')
}

/**
 * The path of a mailbox route of core's route table, e.g. `/v1/mailboxes/orders%40shop/fetch`
 * for `'fetch'`; checks the name first.
 */
export function mailboxPath(
  id: 'fetch' | 'stats' | 'headers' | 'dead' | 'redrive' | 'purge' | 'policy' | 'setPolicy',
  receiver: string,
): string {
  assertReceiver(receiver)
  return routePath(id, { receiver })
}

/** The path of a message route of core's route table, e.g. `/v1/messages/<mid>/ack` for `'ack'`. */
export function messagePath(id: 'ack' | 'reject' | 'renew' | 'message', mid: string): string {
  return routePath(id, { mid })
}

/** The path of a route without parameters (`'send'`, `'info'`, ...). */
export function plainPath(
  id: Exclude<JsonRouteId, Parameters<typeof mailboxPath>[0] | Parameters<typeof messagePath>[0]>,
): string {
  return routePath(id)
}
