import { decodeFields, decodeFieldsSetting, emptyFields, type Fields } from '../body.js'
import { PandoraError } from '../errors.js'
import { LEASE_EXPIRED_REASON } from '../failure-reason.js'
import { contentKeySync } from '../key.js'
import type { MessageHeader } from '../message.js'
import { Status } from '../status.js'

// How every store reads back what it stored: bodies checked against their key, headers as seen now.

const utf8 = new TextDecoder()

/**
 * Throws `corrupt_blob` unless `bytes` hash to `key`: a body is checked whenever it is read. A
 * string is hashed as its UTF-8 bytes: a store may read a body as text (cheaper than a byte array
 * for SQLite), and stored bytes that are not valid UTF-8 then read back changed and fail the check.
 */
export function assertIntact(key: string, bytes: Uint8Array | string): void {
  if (contentKeySync(bytes) !== key) throw new PandoraError('corrupt_blob')
}

/**
 * The fields of a stored body once it is checked against its key; null when there is no body.
 * A message's blob holds its body without the `receiver` field (shared by every recipient of a
 * fan-out): `receiver` puts it back, in its place in the canonical order, so the fields read back
 * are exactly the body whose SHA-1 is the mid. (Blobs written before fan-out hold the whole body,
 * receiver included: the same field is set again to the same value.)
 */
export function verifiedFields(
  key: string,
  bytes: Uint8Array | string | null,
  receiver?: string,
): Fields | null {
  if (bytes === null) return null
  assertIntact(key, bytes)
  const encoded = typeof bytes === 'string' ? bytes : utf8.decode(bytes)
  return receiver === undefined ? decodeFields(encoded) : decodeFieldsSetting(encoded, 'receiver', receiver)
}

/**
 * The fields of a message a fetch has just leased, or `undefined` when its body cannot be read
 * (corrupt, or not decodable). A message the server cannot decode never blocks the ones behind it:
 * the fetch keeps its lease (a delivery, counted), leaves it out of the answer and carries on, so it
 * comes back when that lease runs out and goes dead after `maxDeliveries` like any failing message.
 * A body already collected reads as no fields, as before.
 */
export function leasedFields(
  key: string,
  bytes: Uint8Array | string | null,
  receiver?: string,
): Fields | undefined {
  try {
    return verifiedFields(key, bytes, receiver) ?? emptyFields()
  } catch {
    return undefined
  }
}

/**
 * A header as seen at `now`: a lease that ran out reads as status `timeout` with no lease end, its
 * failure `lease expired` at the lease's end, even before a fetch rewrites the stored message (and
 * records the same, see {@link expiredFailure}).
 */
export function headerAt(h: MessageHeader, leased: boolean, now: number): MessageHeader {
  if (leased && h.leasedUntil !== null && h.leasedUntil <= now) {
    return { ...h, status: Status.timeout, leasedUntil: null, ...expiredFailure(h.leasedUntil) }
  }
  return h
}

/** The failure a lease that ran out records: `lease expired`, at the lease's end. */
export function expiredFailure(leasedUntil: number): { failureReason: string; failedAt: number } {
  return { failureReason: LEASE_EXPIRED_REASON, failedAt: leasedUntil }
}
