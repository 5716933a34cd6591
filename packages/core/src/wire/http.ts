import { z } from 'zod'
import { type ErrorCode, ErrorCodes } from '../errors.js'
import { SEND_MAX_BATCH } from '../limits.js'
import { HEADERS_MAX_LIMIT } from '../store-input.js'
import {
  batchCountSchema,
  delaySchema,
  fieldsInputSchema,
  keySchema,
  leasedMessageSchema,
  leaseTimeSchema,
  mailboxSchema,
  mailboxStatsSchema,
  messageHeaderSchema,
  prioritySchema,
  reasonSchema,
  recipientsSchema,
  retryPolicySchema,
  timeSchema,
} from './common.js'

/** Longest long-poll wait of a fetch, in ms. */
export const FETCH_MAX_WAIT_MS = 60_000

/** `POST /v1/messages`: send one message. */
export const sendRequestSchema = z
  .object({
    receiver: mailboxSchema,
    sender: mailboxSchema,
    fields: fieldsInputSchema,
    delay: delaySchema.optional(),
    clientTime: timeSchema.optional(),
    priority: prioritySchema.optional(),
  })
  .meta({ id: 'SendRequest' })
export const sendResponseSchema = z
  .object({ mid: z.string(), duplicate: z.boolean() })
  .meta({ id: 'SendResponse' })

/**
 * A message to send, to one mailbox or several: `receiver` (one), or `to` (one mailbox or a list:
 * a fan-out, answered with a result per recipient). Exactly one of the two. `POST /v1/messages`
 * and each message of a WebSocket `send` frame take it.
 */
export const outgoingRequestSchema = sendRequestSchema
  .extend({ receiver: mailboxSchema.optional(), to: recipientsSchema.optional() })
  .refine((m) => (m.receiver === undefined) !== (m.to === undefined), {
    message: 'give exactly one of receiver or to',
  })
  .meta({ id: 'OutgoingRequest' })

/** One recipient's outcome of a fan-out: its mid (or that it had the message already), or why not. */
export const recipientResultSchema = z
  .union([sendResponseSchema, z.object({ error: z.object({ code: z.string(), message: z.string() }) })])
  .meta({ id: 'RecipientResult' })
/** Reply of a send with `to`: per recipient, in order. */
export const fanOutResponseSchema = z
  .object({ results: z.array(recipientResultSchema) })
  .meta({ id: 'FanOutResponse' })
/** Reply of `POST /v1/messages`: {@link sendResponseSchema} for `receiver`, {@link fanOutResponseSchema} for `to`. */
export const outgoingResponseSchema = z
  .union([sendResponseSchema, fanOutResponseSchema])
  .meta({ id: 'OutgoingResponse' })

/** `POST /v1/messages/batch`: send up to 256 messages in one transaction. */
export const sendBatchRequestSchema = z
  .object({ messages: z.array(sendRequestSchema).min(1).max(SEND_MAX_BATCH) })
  .meta({ id: 'SendBatchRequest' })
export const sendBatchResponseSchema = z
  .object({ results: z.array(sendResponseSchema) })
  .meta({ id: 'SendBatchResponse' })

/** `POST /v1/mailboxes/{receiver}/fetch`: lease up to `max` messages, waiting up to `wait` ms for one. */
export const fetchRequestSchema = z
  .object({
    leaseTime: leaseTimeSchema.optional(),
    max: batchCountSchema.optional(),
    wait: z.int().min(0).max(FETCH_MAX_WAIT_MS).optional(),
  })
  .meta({ id: 'FetchRequest' })
export const fetchResponseSchema = z
  .object({ messages: z.array(leasedMessageSchema) })
  .meta({ id: 'FetchResponse' })

/** `POST /v1/messages/{mid}/ack`. */
export const ackRequestSchema = z.object({ lid: keySchema }).meta({ id: 'AckRequest' })
/** `POST /v1/messages/{mid}/reject`. */
export const rejectRequestSchema = z
  .object({
    lid: keySchema,
    delay: delaySchema.optional().meta({
      description: "Due again after this many ms; when left out, the mailbox's backoff decides (none: 0)",
    }),
    reason: reasonSchema.optional(),
  })
  .meta({ id: 'RejectRequest' })
/** `GET` and `PUT /v1/mailboxes/{receiver}/policy`: the policy, and the maxDeliveries in force. */
export const policyResponseSchema = z
  .object({
    receiver: z.string(),
    policy: retryPolicySchema,
    maxDeliveries: z
      .int()
      .meta({ description: "The maxDeliveries in force: the policy's, else the server's default" }),
  })
  .meta({ id: 'PolicyResponse' })
/** `POST /v1/messages/{mid}/renew`. */
export const renewRequestSchema = z
  .object({ lid: keySchema, leaseTime: leaseTimeSchema })
  .meta({ id: 'RenewRequest' })
export const renewResponseSchema = z.object({ leasedUntil: timeSchema }).meta({ id: 'RenewResponse' })
/** Reply of ack and reject. */
export const okResponseSchema = z.object({ ok: z.literal(true) }).meta({ id: 'OkResponse' })

/** `GET /v1/mailboxes/{receiver}/headers?since=&limit=&order=`. */
export const headersQuerySchema = z.object({
  since: timeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(HEADERS_MAX_LIMIT).optional(),
  /** `asc` (default): oldest received first; `desc`: newest first. */
  order: z.enum(['asc', 'desc']).optional(),
})
export const headersResponseSchema = z
  .object({ headers: z.array(messageHeaderSchema) })
  .meta({ id: 'HeadersResponse' })

/** `GET /v1/mailboxes`. */
export const mailboxesResponseSchema = z
  .object({ mailboxes: z.array(mailboxStatsSchema) })
  .meta({ id: 'MailboxesResponse' })

/** `POST /v1/mailboxes/{receiver}/redrive`. */
export const redriveRequestSchema = z
  .object({ mids: z.array(keySchema).max(HEADERS_MAX_LIMIT).optional() })
  .meta({ id: 'RedriveRequest' })
/** Reply of redrive and purge. */
export const countResponseSchema = z.object({ count: z.int() }).meta({ id: 'CountResponse' })

/** `GET /v1/info`: what a server is; answered without a token. */
export const infoResponseSchema = z
  .object({
    version: z.string(),
    maxSize: z.int().meta({ description: 'Largest encoded body in bytes' }),
    authRequired: z.boolean(),
    store: z.string().meta({ description: 'The store kind: memory, sqlite or postgres' }),
    serverTime: timeSchema.meta({
      description: "The server's clock when it answered, so clients can measure their clock's offset",
    }),
  })
  .meta({ id: 'InfoResponse' })

/** Every stable error code, as a schema (the set of {@link ErrorCodes}). */
export const errorCodeSchema = z.enum(Object.keys(ErrorCodes) as [ErrorCode, ...ErrorCode[]])

/** An error reply: RFC 9457 problem details plus Pandora's stable `code`. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    code: errorCodeSchema,
    detail: z.string().optional(),
  })
  .meta({ id: 'Problem' })

export type SendRequest = z.infer<typeof sendRequestSchema>
export type SendResponse = z.infer<typeof sendResponseSchema>
export type OutgoingRequest = z.infer<typeof outgoingRequestSchema>
export type RecipientResult = z.infer<typeof recipientResultSchema>
export type FanOutResponse = z.infer<typeof fanOutResponseSchema>
export type SendBatchRequest = z.infer<typeof sendBatchRequestSchema>
export type SendBatchResponse = z.infer<typeof sendBatchResponseSchema>
export type FetchRequest = z.infer<typeof fetchRequestSchema>
export type FetchResponse = z.infer<typeof fetchResponseSchema>
export type AckRequest = z.infer<typeof ackRequestSchema>
export type RejectRequest = z.infer<typeof rejectRequestSchema>
export type PolicyResponse = z.infer<typeof policyResponseSchema>
export type RenewRequest = z.infer<typeof renewRequestSchema>
export type RenewResponse = z.infer<typeof renewResponseSchema>
export type HeadersResponse = z.infer<typeof headersResponseSchema>
export type MailboxesResponse = z.infer<typeof mailboxesResponseSchema>
export type RedriveRequest = z.infer<typeof redriveRequestSchema>
export type CountResponse = z.infer<typeof countResponseSchema>
/**
 * A problem as a client should read it: the same shape, any string as `code`, so a code added by a
 * newer server is still read (and mapped by its HTTP status) instead of failing the whole reply.
 */
export const problemReplySchema = problemSchema.extend({ code: z.string() })

export type Problem = z.infer<typeof problemSchema>
export type InfoResponse = z.infer<typeof infoResponseSchema>
