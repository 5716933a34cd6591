import type { SendRequest } from '@pandora/core'
import { PandoraError } from '@pandora/core/protocol'
import type { BatchMessage } from './client-options.js'

/**
 * The wire body of one send: the sender falls back to `defaultSender`, and `clientTime` is stamped
 * once here (a Date becomes RFC 3339), so every retry of the request is the same body and the same mid.
 * Throws `invalid_mailbox` when there is no sender, `invalid_input` for an invalid Date.
 */
export function toSendRequest(
  message: BatchMessage,
  defaultSender: string | undefined,
  clientTime: string | Date = new Date(),
): SendRequest {
  const sender = message.from ?? defaultSender
  if (sender === undefined) {
    throw new PandoraError('invalid_mailbox', 'no sender: pass { from } or the client option from')
  }
  const request: SendRequest = {
    receiver: message.receiver,
    sender,
    fields: message.fields as SendRequest['fields'],
    clientTime: typeof clientTime === 'string' ? clientTime : isoTime(clientTime),
  }
  if (message.delay !== undefined) request.delay = message.delay
  return request
}

function isoTime(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new PandoraError('invalid_input', 'clientTime must be a valid Date or an RFC 3339 time')
  }
  return date.toISOString()
}
