import {
  fanOutInputs,
  type OutgoingRequest,
  outgoingToInput,
  PandoraError,
  type RecipientResult,
  type SendInput,
  type SendRequest,
  type SendResult,
  type Store,
  sendRequestToInput,
} from '@pandora/core'
import { permit } from './auth.js'

/** The answer to one outgoing request: its result, or for a fan-out (`to`) one per recipient. */
export type OutgoingResult = RecipientResult | { results: RecipientResult[] }

/** What {@link storeOutgoing} did. */
export interface StoredOutgoing {
  /** Per request, in order. */
  results: OutgoingResult[]
  /** How many new messages were stored (duplicates and refusals not counted). */
  sent: number
}

/**
 * Stores outgoing requests — each to one `receiver`, or to `to` (a fan-out, one message per
 * recipient) — together in one `sendMany`: one transaction, and a fan-out's body stored once.
 * Each recipient is checked on its own: one this principal may not send to is refused alone
 * (`forbidden`), as is one the store refuses (e.g. `message_too_big`); the others are stored.
 * A failure of the store itself rejects the whole call.
 *
 * @example
 * ```ts
 * const { results } = await storeOutgoing(store, (r) => principal.canSend(r), [
 *   { sender: 'a@x', to: ['b@x', 'c@x'], fields: { hi: 'all' } },
 * ])
 * // results[0] = { results: [{ mid, duplicate: false }, { mid, duplicate: false }] }
 * ```
 */
export async function storeOutgoing(
  store: Pick<Store, 'sendMany'>,
  canSend: (receiver: string) => boolean,
  requests: readonly OutgoingRequest[],
): Promise<StoredOutgoing> {
  const plans = requests.map((request) => {
    const out = outgoingToInput(request)
    const inputs: SendInput[] = out.kind === 'single' ? [out.input] : fanOutInputs(out.input)
    return {
      fanOut: out.kind === 'fanOut',
      slots: inputs.map((input) => ({ input, allowed: canSend(input.receiver) })),
    }
  })
  const toStore = plans.flatMap((p) => p.slots.filter((s) => s.allowed).map((s) => s.input))
  const stored: (SendResult | PandoraError)[] = toStore.length > 0 ? await store.sendMany(toStore) : []
  let next = 0
  let sent = 0
  const results = plans.map((plan): OutgoingResult => {
    const each = plan.slots.map((slot): RecipientResult => {
      const r = slot.allowed
        ? stored[next++]!
        : new PandoraError('forbidden', `this token may not send to ${slot.input.receiver}`)
      if (r instanceof PandoraError) return { error: { code: r.code, message: r.message } }
      if (!r.duplicate) sent++
      return { mid: r.mid, duplicate: r.duplicate }
    })
    return plan.fanOut ? { results: each } : each[0]!
  })
  return { results, sent }
}

/**
 * Stores a batch all or none — `POST /v1/messages/batch` and the `sendBatch` frame alike: every
 * receiver must be one `canSend` allows (else `forbidden`, nothing stored), and the store takes
 * them in one `sendBatch` (one transaction; a refused message fails the whole batch).
 *
 * @example
 * ```ts
 * const { results, sent } = await storeBatch(store, (r) => principal.canSend(r), body.messages)
 * ```
 */
export async function storeBatch(
  store: Pick<Store, 'sendBatch'>,
  canSend: (receiver: string) => boolean,
  requests: readonly SendRequest[],
): Promise<{ results: SendResult[]; sent: number }> {
  for (const r of requests) permit(canSend(r.receiver), `send to ${r.receiver}`)
  const results = await store.sendBatch(requests.map(sendRequestToInput))
  return { results, sent: results.filter((r) => !r.duplicate).length }
}
