import { z } from 'zod'
import { REASON_MAX_BYTES } from '../failure-reason.js'
import {
  DELAY_MAX_MS,
  FANOUT_MAX_RECIPIENTS,
  FETCH_MAX_BATCH,
  LEASE_MAX_MS,
  LEASE_MIN_MS,
  PRIORITY_MAX,
  PRIORITY_MIN,
} from '../limits.js'
import { isValidMailbox } from '../mailbox.js'
import { BACKOFF_FACTOR_MAX, BACKOFF_FACTOR_MIN, POLICY_MAX_DELIVERIES } from '../retry-policy.js'

/** A mailbox name. */
export const mailboxSchema = z.string().refine(isValidMailbox, { message: 'invalid mailbox' }).meta({
  description: '1–255 printable characters, e.g. orders@shop',
  example: 'orders@shop',
})
/** A printed key (mid or lid): 40 hex characters. */
export const keySchema = z
  .string()
  .regex(/^[0-9a-fA-F]{40}$/, { message: 'expected 40 hexadecimal characters' })
  .meta({ description: '40 hexadecimal characters', example: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3' })
/** A lease time in ms. */
export const leaseTimeSchema = z
  .int()
  .min(LEASE_MIN_MS)
  .max(LEASE_MAX_MS)
  .meta({ description: 'Lease length in ms (1 s – 12 h)' })
/** A delay in ms. */
export const delaySchema = z.int().min(0).max(DELAY_MAX_MS).meta({ description: 'Delay in ms' })
/**
 * Why a delivery failed, as a reject gives it. Its bound is in bytes of UTF-8, which the store
 * checks, so that a reason too long is always `invalid_reason`, whichever way it came.
 */
export const reasonSchema = z.string().meta({
  description: `Why the delivery failed: at most ${REASON_MAX_BYTES} bytes of UTF-8 (longer: 400 invalid_reason)`,
  example: 'upstream answered 503',
})
/** A message's priority. */
export const prioritySchema = z
  .int()
  .min(PRIORITY_MIN)
  .max(PRIORITY_MAX)
  .meta({
    description: `Delivery priority, ${PRIORITY_MIN} (background) to ${PRIORITY_MAX} (urgent), default 0: among due messages a mailbox delivers higher priorities first`,
  })
/** The receivers of a fan-out: one mailbox, or a list of 1–64. */
export const recipientsSchema = z
  .union([mailboxSchema, z.array(mailboxSchema).min(1).max(FANOUT_MAX_RECIPIENTS)])
  .meta({
    description: `One mailbox, or a list of 1–${FANOUT_MAX_RECIPIENTS}: each gets its own message; the body is stored once`,
  })
/** How many messages at once. */
export const batchCountSchema = z.int().min(1).max(FETCH_MAX_BATCH)
/** An RFC 3339 time. */
export const timeSchema = z.iso.datetime({ offset: true }).meta({ description: 'RFC 3339 time' })
/**
 * A JSON object keyed by user-chosen names, parsed into an object without a prototype. zod's own
 * `z.record` builds a plain object and skips a `__proto__` key: a field of that name would vanish,
 * and `constructor` or `toString` would not be plain names. Here every own key is checked and kept.
 * `documented` is its JSON Schema (for OpenAPI), written out so browsers need not load zod's
 * generator: the same as the equivalent `z.record`'s (the OpenAPI test compares the document).
 */
function namedRecord<V extends z.ZodType>(key: z.ZodString, value: V, documented: Record<string, unknown>) {
  return z
    .unknown()
    .transform((input, ctx) => {
      const out = Object.create(null) as Record<string, z.output<V>>
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        ctx.addIssue({ code: 'invalid_type', expected: 'record', input })
        return z.NEVER
      }
      const object = input as Record<string, unknown>
      for (const name of Object.keys(object)) {
        const parsedKey = key.safeParse(name)
        const parsed = value.safeParse(object[name])
        const issues = [
          ...(parsedKey.error?.issues.map((i) => ({ message: i.message, path: [name] })) ?? []),
          ...(parsed.error?.issues.map((i) => ({ message: i.message, path: [name, ...i.path] })) ?? []),
        ]
        for (const issue of issues) ctx.addIssue({ code: 'custom', input: object[name], ...issue })
        if (parsed.success && issues.length === 0) out[name] = parsed.data
      }
      return out
    })
    .meta(documented)
}

const stringList = { type: 'array', items: { type: 'string' } }
/** Body fields as sent: a string or a list of strings per name (an object without a prototype). */
export const fieldsInputSchema = namedRecord(
  z.string().min(1).max(255),
  z.union([z.string(), z.array(z.string())]),
  {
    type: 'object',
    propertyNames: { type: 'string', minLength: 1, maxLength: 255 },
    additionalProperties: { anyOf: [{ type: 'string' }, stringList] },
  },
)
/** Body fields as stored: a list of strings per name (an object without a prototype). */
export const fieldsSchema = namedRecord(z.string(), z.array(z.string()), {
  type: 'object',
  propertyNames: { type: 'string' },
  additionalProperties: stringList,
})

/** A message header on the wire (times as RFC 3339). */
export const messageHeaderSchema = z
  .object({
    mid: z.string(),
    sender: z.string(),
    receiver: z.string(),
    status: z.int().meta({ description: 'confirmed 1, rejected 2, timeout 4, notDelivered 8, dead 16' }),
    statusName: z.string(),
    receivedAt: timeSchema,
    sendWhen: timeSchema,
    leasedUntil: timeSchema.nullable(),
    deliveryCount: z.int(),
    size: z.int(),
    failureReason: z.string().nullable().optional().meta({
      description:
        'Why the last delivery failed: the reason of the last reject (null if it gave none), or `lease expired`; null while none failed',
    }),
    failedAt: timeSchema.nullable().optional().meta({
      description: 'When the last delivery failed: the reject, or the end of the lease that ran out',
    }),
    dueAt: timeSchema.nullable().optional().meta({
      description:
        "When it is next due: sendWhen, or the end of a reject's delay or backoff (under a lease: should it run out); null once confirmed or dead",
    }),
    priority: z.int().optional().meta({
      description:
        'Delivery priority (-10…10; higher first among due messages). Always sent; absent only from servers that predate priorities, where it reads as 0',
    }),
  })
  .meta({ id: 'MessageHeader' })

/** A leased message on the wire. */
export const leasedMessageSchema = messageHeaderSchema
  .extend({ lid: z.string(), leasedUntil: timeSchema, fields: fieldsSchema })
  .meta({ id: 'LeasedMessage' })

/** A stored message (admin view) on the wire. */
export const storedMessageSchema = messageHeaderSchema
  .extend({ fields: fieldsSchema.nullable() })
  .meta({ id: 'StoredMessage' })

/** Counts of one mailbox. */
export const mailboxStatsSchema = z
  .object({
    receiver: z.string(),
    pending: z.int(),
    leased: z.int(),
    delayed: z.int(),
    dead: z.int(),
    confirmed: z.int(),
  })
  .meta({ id: 'MailboxStats' })

const jitterSchema = z
  .number()
  .min(0)
  .max(1)
  .meta({ description: 'Share of the wait that is random, 0 (default) – 1; taken off the wait' })

/** A backoff of a retry policy. */
export const backoffSchema = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('fixed'),
      delay: delaySchema.meta({ description: 'Wait after every failed delivery, in ms' }),
      jitter: jitterSchema.optional(),
    }),
    z.object({
      type: z.literal('exponential'),
      base: z
        .int()
        .min(1)
        .max(DELAY_MAX_MS)
        .meta({ description: 'Wait after the first failed delivery, in ms' }),
      factor: z
        .number()
        .min(BACKOFF_FACTOR_MIN)
        .max(BACKOFF_FACTOR_MAX)
        .optional()
        .meta({ description: 'Growth per delivery (default 2)' }),
      max: z.int().min(1).max(DELAY_MAX_MS).meta({ description: 'Longest wait, in ms (at least base)' }),
      jitter: jitterSchema.optional(),
    }),
  ])
  .meta({ id: 'Backoff' })

/** A mailbox's retry policy. */
export const retryPolicySchema = z
  .strictObject({
    maxDeliveries: z
      .int()
      .min(0)
      .max(POLICY_MAX_DELIVERIES)
      .optional()
      .meta({ description: "Leases before a message is dead (0: never); overrides the server's default" }),
    backoff: backoffSchema.optional().meta({
      description: 'Wait applied to a reject that names no delay and to a lease that expired',
    }),
  })
  .meta({ id: 'RetryPolicy' })

export type WireMessageHeader = z.infer<typeof messageHeaderSchema>
/** A retry policy as it travels (backoff defaults may be left out). */
export type WireRetryPolicy = z.infer<typeof retryPolicySchema>
export type WireLeasedMessage = z.infer<typeof leasedMessageSchema>
export type WireStoredMessage = z.infer<typeof storedMessageSchema>
export type WireMailboxStats = z.infer<typeof mailboxStatsSchema>
