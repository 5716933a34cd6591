import {
  type ClientFrame,
  LEASE_DEFAULT_MS,
  type MailboxStats,
  normalizeKey,
  PandoraError,
  type ServerFrame,
  Status,
  type Store,
  toPandoraError,
} from '@pandora/core'
import type { Principal } from '../auth.js'
import type { Metrics } from '../metrics.js'
import { type OutgoingResult, storeBatch, storeOutgoing } from '../outgoing.js'
import type { AuthGate } from './auth-gate.js'
import type { LeaseBook } from './lease-book.js'
import type { PushHub } from './push-hub.js'
import { PushSubscription, type PushSubscriptionOwner } from './push-subscription.js'

type FrameOf<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>

/** A socket's admin event stream, as the `watch` and `unwatch` frames drive it. */
export interface WatchControl {
  /**
   * Starts watching (replacing a watch the socket had): `announce` gets the counts as it starts,
   * and must send the `watching` reply, before which no `changes` frame leaves.
   */
  start(receiver: string | undefined, announce: (mailboxes: MailboxStats[]) => void): Promise<void>
  /** Stops watching; nothing happens when the socket does not watch. */
  stop(): void
}

/**
 * What the frame handlers need of their socket: narrow enough that a test can hand them fakes,
 * and that a handler cannot reach the socket itself (only {@link FrameContext.send}).
 */
export interface FrameContext {
  readonly store: Pick<Store, 'ack' | 'ackMany' | 'renew' | 'sendMany' | 'sendBatch' | 'retryPolicy'>
  readonly hub: Pick<PushHub, 'attach' | 'detach' | 'kick' | 'giveBack'>
  readonly metrics: Pick<Metrics, 'acked' | 'rejected' | 'sent'>
  readonly gate: Pick<AuthGate, 'principal' | 'authenticate'>
  readonly leases: LeaseBook
  /** The socket new subscriptions push through. */
  readonly owner: PushSubscriptionOwner
  readonly maxSubscriptions: number
  /** The socket's admin event stream. */
  readonly watch: WatchControl
  send(frame: ServerFrame): void
  /** Answers an `unauthorized` error and closes the socket. */
  refuse(message: string): void
  /** Failures no client caused (a store fault): the server logs them. */
  onError(error: unknown): void
}

/**
 * Handles one decoded client frame. Never rejects: a failure is answered with an `error` frame
 * carrying the frame's `ref` (and `sub` for a subscribe), and the socket stays open.
 *
 * @example
 * const decoded = decodeFrame(data, isBinary)
 * if (decoded.ok) void handleFrame(ctx, decoded.frame)
 */
export async function handleFrame(ctx: FrameContext, frame: ClientFrame): Promise<void> {
  try {
    await dispatch(ctx, frame)
  } catch (error) {
    const e = toPandoraError(error)
    if (e.code === 'internal') ctx.onError(error)
    ctx.send({
      type: 'error',
      ...(frame.ref ? { ref: frame.ref } : {}),
      ...(frame.type === 'subscribe' ? { sub: frame.sub } : {}),
      code: e.code,
      message: e.message,
    })
  }
}

async function dispatch(ctx: FrameContext, frame: ClientFrame): Promise<void> {
  if (frame.type === 'auth') return handleAuth(ctx, frame)
  if (frame.type === 'ping') return ctx.send({ type: 'pong', ...refOf(frame) })
  const principal = ctx.gate.principal
  if (!principal) return ctx.refuse('authenticate first')
  switch (frame.type) {
    case 'subscribe':
      return handleSubscribe(ctx, principal, frame)
    case 'unsubscribe':
      return handleUnsubscribe(ctx, frame)
    case 'ack':
    case 'reject':
      return handleSettle(ctx, principal, frame)
    case 'acks':
      return handleAcks(ctx, principal, frame)
    case 'renew':
      return handleRenew(ctx, principal, frame)
    case 'send':
      return handleSend(ctx, principal, frame)
    case 'sendBatch':
      return handleSendBatch(ctx, principal, frame)
    case 'watch':
      return handleWatch(ctx, principal, frame)
    case 'unwatch':
      ctx.watch.stop()
      return ctx.send({ type: 'ok', ...refOf(frame) })
  }
}

/** `auth`: the token decides who the socket speaks for; a bad one closes it. */
export function handleAuth(ctx: FrameContext, frame: FrameOf<'auth'>): void {
  if (ctx.gate.authenticate(frame.token)) ctx.send({ type: 'authenticated', ...refOf(frame) })
  else ctx.refuse('invalid token')
}

/**
 * `subscribe`: answers `subscribed` (with the mailbox's retry policy, so the SDK can leave the
 * backoff to it) before the hub pushes, so a client sees them in that order.
 */
export async function handleSubscribe(
  ctx: FrameContext,
  principal: Principal,
  frame: FrameOf<'subscribe'>,
): Promise<void> {
  if (!principal.canReceive(frame.receiver))
    throw new PandoraError('forbidden', `this token may not receive from ${frame.receiver}`)
  if (ctx.leases.has(frame.sub))
    throw new PandoraError('invalid_input', `subscription ${frame.sub} exists already`)
  if (ctx.leases.size >= ctx.maxSubscriptions) throw new PandoraError('too_many_subscriptions')
  const sub = new PushSubscription(
    frame.sub,
    frame.receiver,
    frame.leaseTime ?? LEASE_DEFAULT_MS,
    frame.prefetch ?? 1,
    ctx.owner,
    frame.batch === true,
    frame.lost === true,
  )
  // Booked before the policy is read, so a second subscribe with this id is refused meanwhile.
  ctx.leases.add(sub)
  let policy: Awaited<ReturnType<Store['retryPolicy']>>
  try {
    policy = await ctx.store.retryPolicy(frame.receiver)
  } catch (error) {
    if (ctx.leases.get(frame.sub) === sub) ctx.leases.remove(frame.sub)
    throw error
  }
  // Unsubscribed (or the socket closed) while the policy was read: nothing to attach.
  if (ctx.leases.get(frame.sub) !== sub) return
  ctx.send({ type: 'subscribed', sub: frame.sub, ...refOf(frame), policy })
  ctx.hub.attach(sub)
}

/** `unsubscribe`: stops pushing and gives its leases back before answering; unknown ids are fine. */
export async function handleUnsubscribe(ctx: FrameContext, frame: FrameOf<'unsubscribe'>): Promise<void> {
  const removed = ctx.leases.remove(frame.sub)
  if (removed) {
    ctx.hub.detach(removed.subscription)
    await ctx.hub.giveBack(removed.leases)
  }
  ctx.send({ type: 'unsubscribed', sub: frame.sub, ...refOf(frame) })
}

/** `ack` / `reject` of one message. Credit comes back even when the store refuses (a stale lid). */
export async function handleSettle(
  ctx: FrameContext,
  principal: Principal,
  frame: FrameOf<'ack'> | FrameOf<'reject'>,
): Promise<void> {
  mayReceive(principal)
  const status = frame.type === 'ack' ? Status.confirmed : Status.rejected
  const options =
    frame.type === 'reject'
      ? {
          ...(frame.delay !== undefined ? { delay: frame.delay } : {}),
          ...(frame.reason !== undefined ? { reason: frame.reason } : {}),
        }
      : undefined
  // The store call is queued first and the credit comes back at once (it comes back even when the
  // store refuses a stale lid), so the hub's next fetch joins the same group commit as this ack
  // instead of waiting for it: one transaction per round trip, not two.
  const settled = ctx.store.ack(frame.mid, frame.lid, status, options)
  const receiver = ctx.leases.release(normalizeKey(frame.mid), normalizeKey(frame.lid))
  if (receiver !== null) ctx.hub.kick(receiver)
  await settled
  if (status === Status.confirmed) ctx.metrics.acked.inc()
  else ctx.metrics.rejected.inc()
  ctx.send({ type: 'ok', ...refOf(frame) })
}

/** `acks`: many confirmations in one frame, one store call; each item fails or succeeds alone. */
export async function handleAcks(
  ctx: FrameContext,
  principal: Principal,
  frame: FrameOf<'acks'>,
): Promise<void> {
  mayReceive(principal)
  let outcomes: (PandoraError | null)[]
  // Queued before the credit comes back, so the hub's refill (kicked below) joins this group commit.
  const settled = ctx.store.ackMany(
    frame.items.map((i) => ({ mid: i.mid, lid: i.lid, status: Status.confirmed })),
  )
  // Credit comes back for all of them (even those the store refuses: a stale lid holds nothing)
  // before the hub is kicked, so it fetches once for all.
  const freed = new Set<string>()
  for (const item of frame.items) {
    const receiver = ctx.leases.release(normalizeKey(item.mid), normalizeKey(item.lid))
    if (receiver !== null) freed.add(receiver)
  }
  for (const receiver of freed) ctx.hub.kick(receiver)
  try {
    outcomes = await settled
  } catch (error) {
    // The store failed the batch as a whole (its transaction did not commit): every item failed.
    ctx.onError(error)
    const e = toPandoraError(error)
    outcomes = frame.items.map(() => e)
  }
  const errors: { index: number; code: string; message: string }[] = []
  outcomes.forEach((error, index) => {
    if (error === null) ctx.metrics.acked.inc()
    else errors.push({ index, code: error.code, message: error.message })
  })
  ctx.send({ type: 'ok', ...refOf(frame), ...(errors.length > 0 ? { errors } : {}) })
}

/**
 * `send`: several messages over the open socket, answered by one `sent` frame with a result per
 * message. Each is checked on its own (a refused one fails alone), and the good ones are stored
 * together with `sendMany`: one transaction, one fsync, one statement on PostgreSQL.
 */
export async function handleSend(
  ctx: FrameContext,
  principal: Principal,
  frame: FrameOf<'send'>,
): Promise<void> {
  let results: OutgoingResult[]
  try {
    const stored = await storeOutgoing(ctx.store, (r) => principal.canSend(r), frame.messages)
    ctx.metrics.sent.inc(stored.sent)
    results = stored.results
  } catch (error) {
    // The store failed the frame as a whole (its transaction did not commit): every message failed.
    ctx.onError(error)
    const e = toPandoraError(error)
    results = frame.messages.map(() => ({ error: { code: e.code, message: e.message } }))
  }
  ctx.send({ type: 'sent', ...refOf(frame), results })
}

/**
 * `sendBatch`: all of its messages or none, exactly as `POST /v1/messages/batch` — every receiver
 * must be one the token may send to, and the store takes them in one `sendBatch` (one transaction);
 * any refusal fails the whole frame with an `error` frame and stores nothing. The reply is a `sent`
 * frame with one `{ mid, duplicate }` per message, in order.
 */
export async function handleSendBatch(
  ctx: FrameContext,
  principal: Principal,
  frame: FrameOf<'sendBatch'>,
): Promise<void> {
  const { results, sent } = await storeBatch(ctx.store, (r) => principal.canSend(r), frame.messages)
  ctx.metrics.sent.inc(sent)
  ctx.send({ type: 'sent', ...refOf(frame), results })
}

/**
 * `watch`: the admin event stream. Counts and message changes of every mailbox (or the one named)
 * are an admin's to see, like `GET /v1/mailboxes`: any other token is refused with `forbidden`,
 * and the socket stays open for what it may do.
 */
export async function handleWatch(
  ctx: FrameContext,
  principal: Principal,
  frame: FrameOf<'watch'>,
): Promise<void> {
  if (!principal.admin) throw new PandoraError('forbidden', 'watching needs an admin token')
  const receiver = frame.receiver
  await ctx.watch.start(receiver, (mailboxes) =>
    ctx.send({
      type: 'watching',
      ...refOf(frame),
      ...(receiver !== undefined ? { receiver } : {}),
      mailboxes,
    }),
  )
}

/** `renew`: the store moves the lease's end; the subscription's credit then waits for the new end. */
export async function handleRenew(
  ctx: FrameContext,
  principal: Principal,
  frame: FrameOf<'renew'>,
): Promise<void> {
  mayReceive(principal)
  const until = await ctx.store.renew(frame.mid, frame.lid, frame.leaseTime)
  ctx.leases.renewed(normalizeKey(frame.mid), normalizeKey(frame.lid), until)
  ctx.send({ type: 'ok', ...refOf(frame), leasedUntil: new Date(until).toISOString() })
}

function mayReceive(principal: Principal): void {
  if (!principal.receives) throw new PandoraError('forbidden', 'this token may not receive')
}

function refOf(frame: { ref?: string | undefined }): { ref: string } | Record<string, never> {
  return frame.ref ? { ref: frame.ref } : {}
}
