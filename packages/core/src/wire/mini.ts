// A namespace import of the module (not its `z` object) lets bundlers drop what is not used.
import * as z from 'zod/mini'
import {
  DELAY_MAX_MS,
  FANOUT_MAX_RECIPIENTS,
  FETCH_MAX_BATCH,
  LEASE_MAX_MS,
  LEASE_MIN_MS,
  PRIORITY_MAX,
  PRIORITY_MIN,
  SEND_MAX_BATCH,
} from '../limits.js'
import { isValidMailbox } from '../mailbox.js'
import { BACKOFF_FACTOR_MAX, BACKOFF_FACTOR_MIN, POLICY_MAX_DELIVERIES } from '../retry-policy.js'
import { WATCH_EVENT_KINDS, WATCH_MAX_MIDS, WS_MAX_ACKS, WS_MAX_SENDS, WS_PROTOCOL } from './ws-limits.js'

/*
 * The wire schemas a client reads — every reply of the JSON API it calls, every server frame, and
 * the client frames (which the SDK's in-memory test server checks) — in zod's tree-shakable
 * `zod/mini`, so that a browser bundle carries a few kilobytes of zod instead of all of it. The
 * server and the OpenAPI document use the classic schemas of `common.ts`, `http.ts` and `ws.ts`,
 * which remain the contract: `mini.test.ts` fails to compile when a mini schema's output type is
 * not exactly its classic twin's, and checks that both accept and refuse the same samples.
 */

// An RFC 3339 time with seconds, and `Z` or an offset: what `z.iso.datetime({ offset: true })`
// accepts (calendar dates included: months' lengths, leap days), as one pattern. zod's ISO formats
// would bring their whole machinery into the browser bundle: half a kilobyte gzipped more.
const leapDay = '(?:\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29'
const day =
  '\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))'
const clock = '(?:[01]\\d|2[0-3]):[0-5]\\d'
const rfc3339 = new RegExp(`^(?:${leapDay}|${day})T${clock}:[0-5]\\d(?:\\.\\d+)?(?:Z|[+-]${clock})$`)
const time = z.string().check(z.regex(rfc3339, { message: 'expected an RFC 3339 time' }))
const mailbox = z.string().check(z.refine(isValidMailbox, { message: 'invalid mailbox' }))
const key = z.string().check(z.regex(/^[0-9a-fA-F]{40}$/, { message: 'expected 40 hexadecimal characters' }))
const leaseTime = z.int().check(z.gte(LEASE_MIN_MS), z.lte(LEASE_MAX_MS))
const delay = z.int().check(z.gte(0), z.lte(DELAY_MAX_MS))
const batchCount = z.int().check(z.gte(1), z.lte(FETCH_MAX_BATCH))
const priority = z.int().check(z.gte(PRIORITY_MIN), z.lte(PRIORITY_MAX))
const recipients = z.union([
  mailbox,
  z.array(mailbox).check(z.minLength(1), z.maxLength(FANOUT_MAX_RECIPIENTS)),
])

/**
 * A JSON object keyed by user-chosen names, as an object without a prototype (so a field named
 * `__proto__` is kept as a name); `checkName` and `checkValue` return a message when refused.
 */
function namedRecord<V>(checkName: (name: string) => string | undefined, checkValue: (v: unknown) => v is V) {
  return z.pipe(
    z.unknown(),
    z.transform((input, ctx) => {
      const out = Object.create(null) as Record<string, V>
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        ctx.issues.push({ code: 'invalid_type', expected: 'record', input, message: 'expected an object' })
        return out
      }
      const object = input as Record<string, unknown>
      for (const name of Object.keys(object)) {
        const value = object[name]
        const refusal = checkName(name) ?? (checkValue(value) ? undefined : 'expected strings')
        if (refusal === undefined) out[name] = value as V
        else ctx.issues.push({ code: 'custom', input: value, path: [name], message: refusal })
      }
      return out
    }),
  )
}
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string')
/** Stored fields: a list of strings per name. */
const fields = namedRecord(() => undefined, strings)
/** Fields as sent: a string or a list of strings per name, names of 1–255 characters. */
const fieldsInput = namedRecord(
  (name) => (name.length >= 1 && name.length <= 255 ? undefined : 'field names have 1–255 characters'),
  (v: unknown): v is string | string[] => typeof v === 'string' || strings(v),
)

const headerShape = {
  mid: z.string(),
  sender: z.string(),
  receiver: z.string(),
  status: z.int(),
  statusName: z.string(),
  receivedAt: time,
  sendWhen: time,
  leasedUntil: z.nullable(time),
  deliveryCount: z.int(),
  size: z.int(),
  failureReason: z.optional(z.nullable(z.string())),
  failedAt: z.optional(z.nullable(time)),
  dueAt: z.optional(z.nullable(time)),
  priority: z.optional(z.int()),
}
/** A message header (admin view). */
export const messageHeaderMini = z.object(headerShape)
/** A leased message. */
export const leasedMessageMini = z.object({ ...headerShape, lid: z.string(), leasedUntil: time, fields })
/** A stored message (admin view) with its body, or null once collected. */
export const storedMessageMini = z.object({ ...headerShape, fields: z.nullable(fields) })
/** Counts of one mailbox. */
export const mailboxStatsMini = z.object({
  receiver: z.string(),
  pending: z.int(),
  leased: z.int(),
  delayed: z.int(),
  dead: z.int(),
  confirmed: z.int(),
})

const sendResponse = z.object({ mid: z.string(), duplicate: z.boolean() })
const sendRequestShape = {
  receiver: mailbox,
  sender: mailbox,
  fields: fieldsInput,
  delay: z.optional(delay),
  clientTime: z.optional(time),
  priority: z.optional(priority),
}
/** A message of `POST /v1/messages/batch`, or one to a single `receiver`. */
export const sendRequestMini = z.object(sendRequestShape)
/**
 * `POST /v1/messages`, and each message of a `send` frame: to `receiver`, or to `to` (a fan-out).
 * The server also refuses one with both or neither; a client never reads such a request back, so
 * the browser bundle does without that check.
 */
export const outgoingRequestMini = z.object({
  ...sendRequestShape,
  receiver: z.optional(mailbox),
  to: z.optional(recipients),
})
const recipientResult = z.union([
  sendResponse,
  z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
])
/** Reply of a send with `to`: per recipient, in order. */
export const fanOutResponseMini = z.object({ results: z.array(recipientResult) })
/** Reply of `POST /v1/messages`. */
export const sendResponseMini = sendResponse
/** Reply of `POST /v1/messages/batch`. */
export const sendBatchResponseMini = z.object({ results: z.array(sendResponse) })
/** Reply of a fetch. */
export const fetchResponseMini = z.object({ messages: z.array(leasedMessageMini) })
/** Reply of renew. */
export const renewResponseMini = z.object({ leasedUntil: time })
/** Reply of ack and reject. */
export const okResponseMini = z.object({ ok: z.literal(true) })
/** Reply of headers and dead. */
export const headersResponseMini = z.object({ headers: z.array(messageHeaderMini) })
/** Reply of `GET /v1/mailboxes`. */
export const mailboxesResponseMini = z.object({ mailboxes: z.array(mailboxStatsMini) })
const jitter = z.number().check(z.gte(0), z.lte(1))
const backoff = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fixed'), delay, jitter: z.optional(jitter) }),
  z.object({
    type: z.literal('exponential'),
    base: z.int().check(z.gte(1), z.lte(DELAY_MAX_MS)),
    factor: z.optional(z.number().check(z.gte(BACKOFF_FACTOR_MIN), z.lte(BACKOFF_FACTOR_MAX))),
    max: z.int().check(z.gte(1), z.lte(DELAY_MAX_MS)),
    jitter: z.optional(jitter),
  }),
])
/** A mailbox's retry policy. */
export const retryPolicyMini = z.strictObject({
  maxDeliveries: z.optional(z.int().check(z.gte(0), z.lte(POLICY_MAX_DELIVERIES))),
  backoff: z.optional(backoff),
})
/** Reply of `GET` and `PUT /v1/mailboxes/{receiver}/policy`. */
export const policyResponseMini = z.object({
  receiver: z.string(),
  policy: retryPolicyMini,
  maxDeliveries: z.int(),
})
/** Reply of redrive and purge. */
export const countResponseMini = z.object({ count: z.int() })
/** An error reply, any string as `code` (as `problemReplySchema`). */
export const problemReplyMini = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  code: z.string(),
  detail: z.optional(z.string()),
})

const ref = z.optional(z.string().check(z.minLength(1), z.maxLength(64)))
const subId = z.string().check(z.minLength(1), z.maxLength(64))

/** Client → server frames. */
export const clientFrameMini = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().check(z.minLength(1), z.maxLength(4096)), ref }),
  z.object({
    type: z.literal('subscribe'),
    sub: subId,
    receiver: mailbox,
    leaseTime: z.optional(leaseTime),
    prefetch: z.optional(batchCount),
    batch: z.optional(z.boolean()),
    lost: z.optional(z.boolean()),
    ref,
  }),
  z.object({ type: z.literal('unsubscribe'), sub: subId, ref }),
  z.object({ type: z.literal('ack'), mid: key, lid: key, ref }),
  z.object({
    type: z.literal('acks'),
    items: z.array(z.object({ mid: key, lid: key })).check(z.minLength(1), z.maxLength(WS_MAX_ACKS)),
    ref,
  }),
  z.object({
    type: z.literal('send'),
    messages: z.array(outgoingRequestMini).check(z.minLength(1), z.maxLength(WS_MAX_SENDS)),
    ref,
  }),
  z.object({
    type: z.literal('sendBatch'),
    messages: z.array(sendRequestMini).check(z.minLength(1), z.maxLength(SEND_MAX_BATCH)),
    ref,
  }),
  z.object({
    type: z.literal('reject'),
    mid: key,
    lid: key,
    delay: z.optional(delay),
    reason: z.optional(z.string()),
    ref,
  }),
  z.object({ type: z.literal('renew'), mid: key, lid: key, leaseTime, ref }),
  z.object({ type: z.literal('ping'), ref }),
  z.object({ type: z.literal('watch'), receiver: z.optional(mailbox), ref }),
  z.object({ type: z.literal('unwatch'), ref }),
])

/** One event of a `changes` frame. */
export const watchEventMini = z.object({
  receiver: z.string(),
  // A literal of several values: z.enum would add its own code to every browser bundle.
  kind: z.literal(WATCH_EVENT_KINDS),
  count: z.int().check(z.gte(0)),
  mids: z.array(z.string()).check(z.maxLength(WATCH_MAX_MIDS)),
})

/** Server → client frames. */
export const serverFrameMini = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    protocol: z.literal(WS_PROTOCOL),
    authRequired: z.boolean(),
    maxSize: z.int(),
    heartbeat: z.int(),
    features: z.optional(z.array(z.string())),
  }),
  z.object({ type: z.literal('authenticated'), ref }),
  z.object({ type: z.literal('subscribed'), sub: subId, ref, policy: z.optional(retryPolicyMini) }),
  z.object({ type: z.literal('unsubscribed'), sub: subId, ref }),
  z.object({ type: z.literal('message'), sub: subId, message: leasedMessageMini }),
  z.object({
    type: z.literal('messages'),
    sub: subId,
    messages: z.array(leasedMessageMini).check(z.minLength(1)),
  }),
  z.object({
    type: z.literal('ok'),
    ref,
    leasedUntil: z.optional(z.string()),
    errors: z.optional(
      z.array(z.object({ index: z.int().check(z.gte(0)), code: z.string(), message: z.string() })),
    ),
  }),
  z.object({ type: z.literal('error'), ref, sub: z.optional(subId), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('pong'), ref }),
  z.object({
    type: z.literal('lost'),
    sub: subId,
    leases: z.array(z.object({ mid: z.string(), lid: z.string() })).check(z.minLength(1)),
    reason: z.string(),
  }),
  z.object({
    type: z.literal('sent'),
    ref,
    results: z.array(
      z.union([
        z.object({ mid: z.string(), duplicate: z.boolean() }),
        z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
        fanOutResponseMini,
      ]),
    ),
  }),
  z.object({
    type: z.literal('watching'),
    ref,
    receiver: z.optional(z.string()),
    mailboxes: z.array(mailboxStatsMini),
  }),
  z.object({
    type: z.literal('changes'),
    mailboxes: z.array(mailboxStatsMini),
    events: z.array(watchEventMini),
  }),
])
