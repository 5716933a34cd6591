import { Status } from '@pandora/core'

/** The header fields that decide where a message stands. */
export interface HeaderTimes {
  status: number
  sendWhen: Date
  leasedUntil: Date | null
  /** When it is next due (the end of a reject's delay or backoff); absent from older servers. */
  dueAt?: Date | null
}

/** Where a message stands right now, as the mailbox counts group them. */
export type MessageState = 'pending' | 'leased' | 'delayed' | 'dead' | 'confirmed'

/** Every {@link MessageState}, in the order the console shows them. */
export const MESSAGE_STATES: readonly MessageState[] = ['pending', 'leased', 'delayed', 'dead', 'confirmed']

/**
 * A message's state at `now`. A live lease wins over the previous outcome the status records;
 * a message not yet due — sent with a delay, or waiting out a reject's delay or backoff — is delayed.
 */
export function messageState(h: HeaderTimes, now: number): MessageState {
  if (h.status === Status.confirmed) return 'confirmed'
  if (h.status === Status.dead) return 'dead'
  if (h.leasedUntil !== null && h.leasedUntil.getTime() > now) return 'leased'
  if (nextDue(h).getTime() > now) return 'delayed'
  return 'pending'
}

/** When a message is next due: `dueAt` where the server tells it, else its `sendWhen`. */
export function nextDue(h: HeaderTimes): Date {
  return h.dueAt ?? h.sendWhen
}

const OUTCOMES: Record<number, string> = {
  [Status.rejected]: 'rejected before',
  [Status.timeout]: 'lease timed out before',
}

/** What happened on the previous delivery, when that is worth telling (a reject or a timeout). */
export function previousOutcome(status: number): string | undefined {
  return OUTCOMES[status]
}
