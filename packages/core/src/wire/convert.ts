import type { FanOutInput } from '../fan-out.js'
import type { LeasedMessage, MessageHeader, SendInput, StoredMessage } from '../message.js'
import { statusName } from '../status.js'
import type { WireLeasedMessage, WireMessageHeader, WireStoredMessage } from './common.js'
import type { OutgoingRequest, SendRequest } from './http.js'
import { isoTime as iso } from './iso-time.js'

/** A header as it travels: times as RFC 3339, the status with its name. */
export function headerToWire(h: MessageHeader): WireMessageHeader {
  return {
    mid: h.mid,
    sender: h.sender,
    receiver: h.receiver,
    status: h.status,
    statusName: statusName(h.status) ?? 'unknown',
    receivedAt: iso(h.receivedAt),
    sendWhen: iso(h.sendWhen),
    leasedUntil: h.leasedUntil === null ? null : iso(h.leasedUntil),
    deliveryCount: h.deliveryCount,
    size: h.size,
    failureReason: h.failureReason,
    failedAt: h.failedAt === null ? null : iso(h.failedAt),
    dueAt: h.dueAt === null ? null : iso(h.dueAt),
    priority: h.priority,
  }
}

/** A leased message as it travels. */
export function leasedToWire(m: LeasedMessage): WireLeasedMessage {
  // The header's object, completed: one object per pushed message, not a header spread into a
  // second one (its leasedUntil is already the lease's end, which is never null here).
  const wire = headerToWire(m) as WireMessageHeader & Partial<WireLeasedMessage>
  wire.lid = m.lid
  wire.fields = m.fields
  return wire as WireLeasedMessage
}

/** A stored message as it travels. */
export function storedToWire(m: StoredMessage): WireStoredMessage {
  return { ...headerToWire(m), fields: m.fields }
}

/** A send request off the wire (JSON API or a `send` frame) as the store takes it. */
export function sendRequestToInput(r: SendRequest): SendInput {
  return {
    sender: r.sender,
    receiver: r.receiver,
    fields: r.fields,
    ...(r.delay !== undefined ? { delay: r.delay } : {}),
    ...(r.clientTime !== undefined ? { clientTime: r.clientTime } : {}),
    ...(r.priority !== undefined ? { priority: r.priority } : {}),
  }
}

/**
 * An outgoing request off the wire as the store takes it: a single send (`receiver`), or a fan-out
 * (`to`, one name or a list) as {@link FanOutInput}.
 */
export function outgoingToInput(
  r: OutgoingRequest,
): { kind: 'single'; input: SendInput } | { kind: 'fanOut'; input: FanOutInput } {
  const { receiver, to, ...rest } = r
  if (to === undefined) return { kind: 'single', input: sendRequestToInput({ ...rest, receiver: receiver! }) }
  const { receiver: _, ...input } = sendRequestToInput({ ...rest, receiver: '' })
  return { kind: 'fanOut', input: { ...input, receivers: typeof to === 'string' ? [to] : to } }
}
