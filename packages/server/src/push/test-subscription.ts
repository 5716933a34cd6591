import type { LeasedMessage } from '@pandora/core'
import type { LeaseBook } from './lease-book.js'
import { PushSubscription, type PushSubscriptionOwner } from './push-subscription.js'

/** A socket that is open, keeps up and ignores what it is told: for tests of what surrounds it. */
export const quietOwner: PushSubscriptionOwner = {
  open: true,
  congested: false,
  push: () => {},
  now: () => 0,
  revoked: () => {},
}

/** For tests: a subscription in `book` holding `messages`, as after a push to it. */
export function holdingSubscription(
  book: LeaseBook,
  id: string,
  receiver: string,
  messages: LeasedMessage[],
): PushSubscription {
  const sub = new PushSubscription(id, receiver, 30_000, 10, quietOwner)
  book.add(sub)
  sub.deliver(messages)
  book.pushed(id, messages)
  return sub
}
