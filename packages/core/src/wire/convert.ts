import type { LeasedMessage, MessageHeader, StoredMessage } from '../message.js'
import { statusName } from '../status.js'
import type { WireLeasedMessage, WireMessageHeader, WireStoredMessage } from './common.js'

const iso = (ms: number): string => new Date(ms).toISOString()

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
  }
}

/** A leased message as it travels. */
export function leasedToWire(m: LeasedMessage): WireLeasedMessage {
  return { ...headerToWire(m), lid: m.lid, leasedUntil: iso(m.leasedUntil), fields: m.fields }
}

/** A stored message as it travels. */
export function storedToWire(m: StoredMessage): WireStoredMessage {
  return { ...headerToWire(m), fields: m.fields }
}
