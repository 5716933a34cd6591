import { z } from 'zod'
import {
  batchCountSchema,
  delaySchema,
  keySchema,
  leasedMessageSchema,
  leaseTimeSchema,
  mailboxSchema,
} from './common.js'

/** The WebSocket subprotocol of this version of the frames. */
export const WS_PROTOCOL = 'pandora.v1'
/** Most subscriptions one socket may hold unless the server is configured otherwise. */
export const WS_MAX_SUBSCRIPTIONS = 64

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
    ref,
  }),
  z.object({ type: z.literal('unsubscribe'), sub: subId, ref }),
  z.object({ type: z.literal('ack'), mid: keySchema, lid: keySchema, ref }),
  z.object({ type: z.literal('reject'), mid: keySchema, lid: keySchema, delay: delaySchema.optional(), ref }),
  z.object({ type: z.literal('renew'), mid: keySchema, lid: keySchema, leaseTime: leaseTimeSchema, ref }),
  z.object({ type: z.literal('ping'), ref }),
])

/** Server → client frames. */
export const serverFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    protocol: z.literal(WS_PROTOCOL),
    authRequired: z.boolean(),
    maxSize: z.int(),
    heartbeat: z.int().meta({ description: 'Server ping interval in ms' }),
  }),
  z.object({ type: z.literal('authenticated'), ref }),
  z.object({ type: z.literal('subscribed'), sub: subId, ref }),
  z.object({ type: z.literal('unsubscribed'), sub: subId, ref }),
  z.object({ type: z.literal('message'), sub: subId, message: leasedMessageSchema }),
  z.object({ type: z.literal('ok'), ref, leasedUntil: z.string().optional() }),
  z.object({
    type: z.literal('error'),
    ref,
    sub: subId.optional(),
    code: z.string(),
    message: z.string(),
  }),
  z.object({ type: z.literal('pong'), ref }),
])

export type ClientFrame = z.infer<typeof clientFrameSchema>
export type ServerFrame = z.infer<typeof serverFrameSchema>
