import { PandoraError } from './errors.js'
import { FANOUT_MAX_RECIPIENTS } from './limits.js'
import type { SendInput, SendResult } from './message.js'
import type { MessageStore } from './store.js'

/** One send to several mailboxes: a {@link SendInput} with a list of receivers instead of one. */
export interface FanOutInput extends Omit<SendInput, 'receiver'> {
  /** 1 to {@link FANOUT_MAX_RECIPIENTS} mailboxes; each gets its own message. */
  receivers: readonly string[]
}

/**
 * The sends a fan-out stands for: one per receiver, in order, with the same fields, sender, delay,
 * priority and clientTime. Each recipient's message is exactly the one a single send to it would
 * make (the same body, so the same mid). Throws `invalid_input` for an empty or too long list.
 */
export function fanOutInputs(input: FanOutInput): SendInput[] {
  if (input === null || typeof input !== 'object') throw new PandoraError('nil_body')
  const { receivers, ...rest } = input
  if (!Array.isArray(receivers) || receivers.length < 1 || receivers.length > FANOUT_MAX_RECIPIENTS) {
    throw new PandoraError(
      'invalid_input',
      `receivers must be a list of 1 to ${FANOUT_MAX_RECIPIENTS} mailboxes`,
    )
  }
  return receivers.map((receiver: string) => ({ ...rest, receiver }))
}

/**
 * Sends one message to several mailboxes in one transaction (the store's `sendMany`). The body
 * is stored once: every recipient's message refers to the same blob, whose reference count is the
 * number of recipients that got a new message. The result has, per receiver in order, its
 * {@link SendResult} (a receiver that already had this very message: `duplicate`) or the error a
 * single send to it would have thrown (`invalid_mailbox`, `message_too_big`, …).
 *
 * @example
 * ```ts
 * const results = await sendFanOut(store, {
 *   sender: 'billing@shop',
 *   receivers: ['mail@shop', 'audit@shop'],
 *   fields: { invoice: '42' },
 * })
 * ```
 */
export async function sendFanOut(
  store: Pick<MessageStore, 'sendMany'>,
  input: FanOutInput,
): Promise<(SendResult | PandoraError)[]> {
  return store.sendMany(fanOutInputs(input))
}
