import type { z } from 'zod'
import { mailboxStatsSchema, retryPolicySchema, storedMessageSchema } from './common.js'
import {
  ackRequestSchema,
  countResponseSchema,
  fetchRequestSchema,
  fetchResponseSchema,
  headersResponseSchema,
  infoResponseSchema,
  mailboxesResponseSchema,
  okResponseSchema,
  outgoingRequestSchema,
  outgoingResponseSchema,
  policyResponseSchema,
  redriveRequestSchema,
  rejectRequestSchema,
  renewRequestSchema,
  renewResponseSchema,
  sendBatchRequestSchema,
  sendBatchResponseSchema,
} from './http.js'
import { type JsonRouteId, ROUTE_PATHS } from './route-paths.js'

/** A query parameter of a JSON API route, as OpenAPI describes it. */
export interface QueryParam {
  name: string
  description: string
  schema: Record<string, unknown>
}

/** One route of the JSON API: the router, the OpenAPI document and the client all read it. */
export interface JsonRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Path pattern; `:receiver` and `:mid` are percent-encoded path parameters. */
  path: string
  summary: string
  /** Schema of the JSON request body, when the route takes one. */
  body?: z.ZodType
  /** Schema of a successful reply. */
  reply: z.ZodType
  /** Status of a successful reply (default 200). */
  status?: number
  query?: readonly QueryParam[]
  /** Answered without a token (discovery and probes). */
  open?: boolean
}

const limitQuery: QueryParam = {
  name: 'limit',
  description: 'At most this many (1–1000)',
  schema: { type: 'integer' },
}

/**
 * The JSON API, route by route. The server mounts a handler for each entry (its type requires one
 * per key), the OpenAPI document is generated from it, and the client builds its paths with
 * {@link routePath}, so none of them can list a route the others lack.
 */
export const JSON_ROUTES = {
  info: {
    ...ROUTE_PATHS.info,
    summary: 'What this server is: version, limits, whether tokens are required, its clock',
    reply: infoResponseSchema,
    open: true,
  },
  send: {
    ...ROUTE_PATHS.send,
    summary:
      'Send a message: to `receiver` (201 new, 200 duplicate), or to `to` — one mailbox or a list of up to 64, stored in one transaction with one body — answered with a result per recipient (200)',
    body: outgoingRequestSchema,
    reply: outgoingResponseSchema,
    status: 201,
  },
  sendBatch: {
    ...ROUTE_PATHS.sendBatch,
    summary: 'Send up to 256 messages in one transaction',
    body: sendBatchRequestSchema,
    reply: sendBatchResponseSchema,
  },
  fetch: {
    ...ROUTE_PATHS.fetch,
    summary: 'Lease due messages, optionally waiting for one',
    body: fetchRequestSchema,
    reply: fetchResponseSchema,
  },
  ack: {
    ...ROUTE_PATHS.ack,
    summary: 'Confirm a leased message',
    body: ackRequestSchema,
    reply: okResponseSchema,
  },
  reject: {
    ...ROUTE_PATHS.reject,
    summary: 'Give a leased message back, optionally after a delay',
    body: rejectRequestSchema,
    reply: okResponseSchema,
  },
  renew: {
    ...ROUTE_PATHS.renew,
    summary: 'Extend a live lease',
    body: renewRequestSchema,
    reply: renewResponseSchema,
  },
  message: {
    ...ROUTE_PATHS.message,
    summary: 'A message with its body (admin)',
    reply: storedMessageSchema,
  },
  mailboxes: {
    ...ROUTE_PATHS.mailboxes,
    summary: 'Counts of every mailbox (admin)',
    reply: mailboxesResponseSchema,
  },
  stats: {
    ...ROUTE_PATHS.stats,
    summary: 'Counts of one mailbox (admin)',
    reply: mailboxStatsSchema,
  },
  headers: {
    ...ROUTE_PATHS.headers,
    summary: 'Headers of a mailbox, oldest first unless order=desc (admin)',
    reply: headersResponseSchema,
    query: [
      {
        name: 'since',
        description: 'Only messages received at or after this RFC 3339 time',
        schema: { type: 'string', format: 'date-time' },
      },
      limitQuery,
      {
        name: 'order',
        description: 'asc (default): oldest received first; desc: newest first, so limit keeps the newest',
        schema: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
      },
    ],
  },
  dead: {
    ...ROUTE_PATHS.dead,
    summary: 'Dead letters of a mailbox (admin)',
    reply: headersResponseSchema,
    query: [limitQuery],
  },
  redrive: {
    ...ROUTE_PATHS.redrive,
    summary: 'Make dead letters due again (admin)',
    body: redriveRequestSchema,
    reply: countResponseSchema,
  },
  purge: {
    ...ROUTE_PATHS.purge,
    summary: 'Delete every message of a mailbox (admin); its retry policy stays',
    reply: countResponseSchema,
  },
  policy: {
    ...ROUTE_PATHS.policy,
    summary: 'The retry policy of a mailbox (admin)',
    reply: policyResponseSchema,
  },
  setPolicy: {
    ...ROUTE_PATHS.setPolicy,
    summary: 'Replace the retry policy of a mailbox; {} removes it (admin)',
    body: retryPolicySchema,
    reply: policyResponseSchema,
  },
} as const satisfies Record<JsonRouteId, JsonRoute>

export { type JsonRouteId, routePath } from './route-paths.js'
