import { PandoraError } from './errors.js'
import { checkReason } from './failure-reason.js'
import { parseKey } from './key.js'
import { assertCount, assertDelay, assertLeaseTime, FETCH_MAX_BATCH } from './limits.js'
import { assertMailbox } from './mailbox.js'
import { Status, type StatusCode } from './status.js'
import type { FetchOptions, HeadersOrder, HeadersQuery } from './store.js'

/** Most headers one listing returns. */
export const HEADERS_MAX_LIMIT = 1000
/** Headers returned when no limit is given. */
export const HEADERS_DEFAULT_LIMIT = 100

/** Validated arguments of a fetch. */
export function checkFetch(
  receiver: unknown,
  options: FetchOptions,
): { receiver: string; leaseTime: number; max: number } {
  return {
    receiver: assertMailbox(receiver),
    leaseTime: assertLeaseTime(options?.leaseTime),
    max: assertCount(options?.max ?? 1, FETCH_MAX_BATCH, 'max'),
  }
}

/** Options of an ack: for a reject, its delay and reason. */
export interface AckOptions {
  /** Due again after this many ms; when left out, the mailbox's backoff decides (none: 0). */
  delay?: number
  /** Why the delivery failed (rejects only; at most 1024 bytes of UTF-8). */
  reason?: string
}

/** Validated arguments of an ack. `delay` is null when none was given (the policy decides). */
export function checkAck(
  mid: unknown,
  lid: unknown,
  status: unknown,
  options?: AckOptions,
): { mid: string; lid: string; status: StatusCode; delay: number | null; reason: string | null } {
  if (status !== Status.confirmed && status !== Status.rejected) {
    throw new PandoraError('invalid_status', 'status must be 1 (confirmed) or 2 (rejected)')
  }
  const reason = checkReason(options?.reason)
  if (reason !== null && status !== Status.rejected) {
    throw new PandoraError('invalid_reason', 'only a reject carries a reason')
  }
  return {
    mid: parseKey(mid as string),
    lid: parseKey(lid as string),
    status,
    delay: options?.delay === undefined ? null : assertDelay(options.delay),
    reason,
  }
}

/**
 * Each item of an `ackMany` checked as {@link checkAck} checks one: a valid item, or the error that
 * item alone fails with (a batch is not refused for one bad item).
 */
export function checkAcks(
  items: unknown,
): ({ ok: true; ack: ReturnType<typeof checkAck> } | { ok: false; error: PandoraError })[] {
  if (!Array.isArray(items)) throw new PandoraError('invalid_input', 'expected a list of acks')
  return items.map((item: unknown) => {
    try {
      const i = (item ?? {}) as {
        mid?: unknown
        lid?: unknown
        status?: unknown
        delay?: number
        reason?: string
      }
      return {
        ok: true as const,
        ack: checkAck(i.mid, i.lid, i.status, {
          ...(i.delay !== undefined ? { delay: i.delay } : {}),
          ...(i.reason !== undefined ? { reason: i.reason } : {}),
        }),
      }
    } catch (error) {
      if (error instanceof PandoraError) return { ok: false as const, error }
      throw error
    }
  })
}

/** Validated arguments of a renew. */
export function checkRenew(
  mid: unknown,
  lid: unknown,
  leaseTime: unknown,
): { mid: string; lid: string; leaseTime: number } {
  return { mid: parseKey(mid as string), lid: parseKey(lid as string), leaseTime: assertLeaseTime(leaseTime) }
}

/** Validated headers query. */
export function checkHeaders(
  receiver: unknown,
  query?: HeadersQuery,
): { receiver: string; since: number; limit: number; order: HeadersOrder } {
  const since = query?.since ?? 0
  if (typeof since !== 'number' || !Number.isFinite(since))
    throw new PandoraError('invalid_input', 'since must be a time')
  const order: unknown = query?.order ?? 'asc'
  if (order !== 'asc' && order !== 'desc')
    throw new PandoraError('invalid_input', "order must be 'asc' or 'desc'")
  return {
    receiver: assertMailbox(receiver),
    since,
    limit: assertCount(query?.limit ?? HEADERS_DEFAULT_LIMIT, HEADERS_MAX_LIMIT, 'limit'),
    order,
  }
}

/** Validated list of mids (for redrive), or undefined for all. */
export function checkMids(mids: unknown): string[] | undefined {
  if (mids === undefined) return undefined
  if (!Array.isArray(mids) || mids.length > HEADERS_MAX_LIMIT) {
    throw new PandoraError('invalid_input', `mids must be a list of at most ${HEADERS_MAX_LIMIT} keys`)
  }
  return mids.map((m) => parseKey(m))
}
