import { z } from 'zod'
import {
  batchCountSchema,
  delaySchema,
  keySchema,
  leasedMessageSchema,
  leaseTimeSchema,
  mailboxSchema,
  mailboxStatsSchema,
  reasonSchema,
  retryPolicySchema,
} from './common.js'
import { fanOutResponseSchema, outgoingRequestSchema, sendBatchRequestSchema } from './http.js'
import { WATCH_EVENT_KINDS, WATCH_MAX_MIDS, WS_MAX_ACKS, WS_MAX_SENDS, WS_PROTOCOL } from './ws-limits.js'

export {
  WATCH_EVENT_KINDS,
  WATCH_MAX_MIDS,
  type WatchEventKind,
  WS_CLOSE,
  WS_FEATURES,
  WS_MAX_ACKS,
  WS_MAX_CLIENT_FRAME_BYTES,
  WS_MAX_SENDS,
  WS_MAX_SUBSCRIPTIONS,
  WS_PROTOCOL,
} from './ws-limits.js'

// Any string, so that a client reads codes a newer server adds; servers send only ErrorCode values.
const errorCode = z.string().meta({ description: 'A stable error code (see ErrorCodes)' })
const ref = z.string().min(1).max(64).optional().meta({ description: 'Echoed in the reply to this frame' })
const subId = z.string().min(1).max(64).meta({ description: 'Subscription id, chosen by the client' })

/** Client → server frames. */
export const clientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().min(1).max(4096), ref }),
  z.object({
    type: z.literal('subscribe'),
    sub: subId,
    receiver: mailboxSchema,
    leaseTime: leaseTimeSchema.optional(),
    prefetch: batchCountSchema.optional(),
    batch: z
      .boolean()
      .optional()
      .meta({ description: 'Push several messages in one `messages` frame (servers with the feature)' }),
    lost: z.boolean().optional().meta({
      description:
        'Send a `lost` frame when the server takes away a lease this subscription holds (servers with the feature)',
    }),
    ref,
  }),
  z.object({ type: z.literal('unsubscribe'), sub: subId, ref }),
  z.object({ type: z.literal('ack'), mid: keySchema, lid: keySchema, ref }),
  z.object({
    type: z.literal('acks'),
    items: z
      .array(z.object({ mid: keySchema, lid: keySchema }))
      .min(1)
      .max(WS_MAX_ACKS)
      .meta({ description: 'Leases to confirm; answered by one ok frame, failures listed in its errors' }),
    ref,
  }),
  z.object({
    type: z.literal('send'),
    messages: z.array(outgoingRequestSchema).min(1).max(WS_MAX_SENDS).meta({
      description:
        'Messages to send, each to `receiver` or to `to` (a fan-out); answered by one `sent` frame with a result per message',
    }),
    ref,
  }),
  z.object({
    type: z.literal('sendBatch'),
    messages: sendBatchRequestSchema.shape.messages.meta({
      description:
        'Messages to send all or none, as `POST /v1/messages/batch` takes them: answered by one `sent` frame with a result per message, or one `error` frame when any is refused (nothing stored)',
    }),
    ref,
  }),
  z.object({
    type: z.literal('reject'),
    mid: keySchema,
    lid: keySchema,
    delay: delaySchema
      .optional()
      .meta({ description: "Due again after this many ms; left out: the mailbox's backoff (none: 0)" }),
    reason: reasonSchema.optional(),
    ref,
  }),
  z.object({ type: z.literal('renew'), mid: keySchema, lid: keySchema, leaseTime: leaseTimeSchema, ref }),
  z.object({ type: z.literal('ping'), ref }),
  z.object({
    type: z.literal('watch'),
    receiver: mailboxSchema
      .optional()
      .meta({ description: 'Watch only this mailbox (default: every mailbox)' }),
    ref,
  }),
  z.object({ type: z.literal('unwatch'), ref }),
])

/** One kind of change to a mailbox's messages, with (some of) the mids it concerned. */
export const watchEventSchema = z.object({
  receiver: z.string(),
  kind: z.enum(WATCH_EVENT_KINDS),
  count: z.int().min(0).meta({ description: 'How many messages changed this way in the window' }),
  mids: z
    .array(z.string())
    .max(WATCH_MAX_MIDS)
    .meta({ description: 'The first of their mids (at most 64; empty for purge and redrive of all)' }),
})

/** Server → client frames. */
export const serverFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    protocol: z.literal(WS_PROTOCOL),
    authRequired: z.boolean(),
    maxSize: z.int(),
    heartbeat: z.int().meta({ description: 'Server ping interval in ms' }),
    features: z
      .array(z.string())
      .optional()
      .meta({ description: 'Optional frames this server understands (e.g. `acks`, `messages`)' }),
  }),
  z.object({ type: z.literal('authenticated'), ref }),
  z.object({
    type: z.literal('subscribed'),
    sub: subId,
    ref,
    policy: retryPolicySchema.optional().meta({
      description: "The mailbox's retry policy when it was subscribed (servers with `retry-policy`)",
    }),
  }),
  z.object({ type: z.literal('unsubscribed'), sub: subId, ref }),
  z.object({ type: z.literal('message'), sub: subId, message: leasedMessageSchema }),
  z.object({
    type: z.literal('messages'),
    sub: subId,
    messages: z.array(leasedMessageSchema).min(1),
  }),
  z.object({
    type: z.literal('ok'),
    ref,
    leasedUntil: z.string().optional(),
    errors: z
      .array(z.object({ index: z.int().min(0), code: errorCode, message: z.string() }))
      .optional()
      .meta({ description: 'For an `acks` frame: the items that failed, by position' }),
  }),
  z.object({
    type: z.literal('error'),
    ref,
    sub: subId.optional(),
    code: errorCode,
    message: z.string(),
  }),
  z.object({ type: z.literal('pong'), ref }),
  z.object({
    type: z.literal('lost'),
    sub: subId,
    leases: z
      .array(z.object({ mid: z.string(), lid: z.string() }))
      .min(1)
      .meta({
        description: 'Leases of this subscription that the server took away: stop their work, do not ack',
      }),
    reason: z.string().meta({ description: 'Why, e.g. `purged` (an admin purged the mailbox)' }),
  }),
  z.object({
    type: z.literal('sent'),
    ref,
    results: z
      .array(
        z.union([
          z.object({ mid: z.string(), duplicate: z.boolean() }),
          z.object({ error: z.object({ code: errorCode, message: z.string() }) }),
          fanOutResponseSchema,
        ]),
      )
      .meta({
        description:
          'Per message of the `send` frame, in order: its mid, or why it was refused; for one sent with `to`, a result per recipient',
      }),
  }),
  z.object({
    type: z.literal('watching'),
    ref,
    receiver: z.string().optional(),
    mailboxes: z.array(mailboxStatsSchema).meta({
      description: 'Counts as the watch starts: every mailbox that holds a message, or the one watched',
    }),
  }),
  z.object({
    type: z.literal('changes'),
    mailboxes: z
      .array(mailboxStatsSchema)
      .meta({ description: 'Latest counts of the mailboxes that changed since the last frame' }),
    events: z.array(watchEventSchema),
  }),
])

export type ClientFrame = z.infer<typeof clientFrameSchema>
export type ServerFrame = z.infer<typeof serverFrameSchema>
export type WatchEvent = z.infer<typeof watchEventSchema>
