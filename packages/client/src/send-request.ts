import type { OutgoingRequest, SendRequest } from '@pandora/core'
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
  if (message.priority !== undefined) request.priority = message.priority
  return request
}

/**
 * The wire body of a fan-out: the same message to every mailbox of `receivers` (`to`), built as
 * {@link toSendRequest} builds one, so each recipient's mid is the one a single send would get.
 */
export function toFanOutRequest(
  receivers: readonly string[],
  message: Omit<BatchMessage, 'receiver'>,
  defaultSender: string | undefined,
  clientTime: string | Date = new Date(),
): OutgoingRequest {
  const { receiver: _, ...rest } = toSendRequest({ ...message, receiver: '' }, defaultSender, clientTime)
  return { ...rest, to: [...receivers] }
}

function isoTime(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new PandoraError('invalid_input', 'clientTime must be a valid Date or an RFC 3339 time')
  }
  return date.toISOString()
}
