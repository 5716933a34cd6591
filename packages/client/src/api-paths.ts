import { isValidMailbox, PandoraError } from '@pandora/core'

/** Throws `invalid_mailbox` before anything leaves when `receiver` cannot be a mailbox name. */
export function assertReceiver(receiver: string): void {
  if (!isValidMailbox(receiver)) throw new PandoraError('invalid_mailbox')
}

/** The JSON API path of a mailbox, e.g. `/v1/mailboxes/orders%40shop/fetch`; checks the name first. */
export function mailboxPath(receiver: string, rest = ''): string {
  assertReceiver(receiver)
  return `/v1/mailboxes/${encodeURIComponent(receiver)}${rest}`
}

/** The JSON API path of a message, e.g. `/v1/messages/<mid>/ack`. */
export function messagePath(mid: string, rest = ''): string {
  return `/v1/messages/${encodeURIComponent(mid)}${rest}`
}
