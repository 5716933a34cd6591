import { PandoraError } from './errors.js'

/**
 * Longest reason a reject may carry, in bytes of UTF-8. A reason says why, in a line or a short
 * paragraph; a stack trace or a payload belongs in the consumer's logs, not in every header listing.
 */
export const REASON_MAX_BYTES = 1024

/** The reason recorded when a lease ran out without an ack. */
export const LEASE_EXPIRED_REASON = 'lease expired'

/**
 * The reason recorded when the server gives a lease back unprocessed: its consumer unsubscribed,
 * disconnected, or was gone before a fetch answered. Given back at once, whatever the backoff.
 */
export const GIVEN_BACK_REASON = 'given back unprocessed'

const encoder = new TextEncoder()

/**
 * Validates the reason of a reject: a well-formed string (no lone surrogates, no NUL, which no
 * store can keep as text) of at most {@link REASON_MAX_BYTES} bytes of UTF-8. A longer one is
 * refused (`invalid_reason`), not cut: a caller who wrote it should learn it did not fit. An empty
 * reason is no reason (null).
 */
export function checkReason(reason: unknown): string | null {
  if (reason === undefined || reason === null || reason === '') return null
  if (typeof reason !== 'string') throw new PandoraError('invalid_reason', 'reason must be a string')
  if (reason.includes('\u0000') || !isWellFormed(reason)) {
    throw new PandoraError('invalid_reason', 'reason must be well-formed text without NUL characters')
  }
  if (encoder.encode(reason).byteLength > REASON_MAX_BYTES) {
    throw new PandoraError('invalid_reason', `reason is longer than ${REASON_MAX_BYTES} bytes of UTF-8`)
  }
  return reason
}

/**
 * Makes any text a valid reason: lone surrogates and NULs become U+FFFD, and text past
 * {@link REASON_MAX_BYTES} bytes is cut at a character boundary, ending in `…`. The SDK uses it for
 * a thrown error's message, which nobody wrote to fit.
 *
 * @example
 * ```ts
 * truncateReason('x'.repeat(5000)).length // 1021 ('x' · 1018 and '…', 1024 bytes)
 * ```
 */
export function truncateReason(text: string): string {
  let clean = ''
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    clean += code === 0 || (code >= 0xd800 && code <= 0xdfff) ? '\uFFFD' : ch
  }
  if (encoder.encode(clean).byteLength <= REASON_MAX_BYTES) return clean
  const budget = REASON_MAX_BYTES - 3 // '…' takes 3 bytes
  let out = ''
  let bytes = 0
  for (const ch of clean) {
    const size = encoder.encode(ch).byteLength
    if (bytes + size > budget) break
    out += ch
    bytes += size
  }
  return `${out}…`
}

function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1)
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false
      i++
    } else if (c >= 0xdc00 && c <= 0xdfff) return false
  }
  return true
}
