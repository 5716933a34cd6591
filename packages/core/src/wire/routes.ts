import type { z } from 'zod'
import { mailboxStatsSchema, storedMessageSchema } from './common.js'
import {
  ackRequestSchema,
  countResponseSchema,
  fetchRequestSchema,
  fetchResponseSchema,
  headersResponseSchema,
  infoResponseSchema,
  mailboxesResponseSchema,
  okResponseSchema,
  redriveRequestSchema,
  rejectRequestSchema,
  renewRequestSchema,
  renewResponseSchema,
  sendBatchRequestSchema,
  sendBatchResponseSchema,
  sendRequestSchema,
  sendResponseSchema,
} from './http.js'

/** A query parameter of a JSON API route, as OpenAPI describes it. */
export interface QueryParam {
  name: string
  description: string
  schema: Record<string, unknown>
}

/** One route of the JSON API: the router, the OpenAPI document and the client all read it. */
export interface JsonRoute {
  method: 'GET' | 'POST' | 'DELETE'
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
    method: 'GET',
    path: '/v1/info',
    summary: 'What this server is: version, limits, whether tokens are required, its clock',
    reply: infoResponseSchema,
    open: true,
  },
  send: {
    method: 'POST',
    path: '/v1/messages',
    summary: 'Send a message',
    body: sendRequestSchema,
    reply: sendResponseSchema,
    status: 201,
  },
  sendBatch: {
    method: 'POST',
    path: '/v1/messages/batch',
    summary: 'Send up to 256 messages in one transaction',
    body: sendBatchRequestSchema,
    reply: sendBatchResponseSchema,
  },
  fetch: {
    method: 'POST',
    path: '/v1/mailboxes/:receiver/fetch',
    summary: 'Lease due messages, optionally waiting for one',
    body: fetchRequestSchema,
    reply: fetchResponseSchema,
  },
  ack: {
    method: 'POST',
    path: '/v1/messages/:mid/ack',
    summary: 'Confirm a leased message',
    body: ackRequestSchema,
    reply: okResponseSchema,
  },
  reject: {
    method: 'POST',
    path: '/v1/messages/:mid/reject',
    summary: 'Give a leased message back, optionally after a delay',
    body: rejectRequestSchema,
    reply: okResponseSchema,
  },
  renew: {
    method: 'POST',
    path: '/v1/messages/:mid/renew',
    summary: 'Extend a live lease',
    body: renewRequestSchema,
    reply: renewResponseSchema,
  },
  message: {
    method: 'GET',
    path: '/v1/messages/:mid',
    summary: 'A message with its body (admin)',
    reply: storedMessageSchema,
  },
  mailboxes: {
    method: 'GET',
    path: '/v1/mailboxes',
    summary: 'Counts of every mailbox (admin)',
    reply: mailboxesResponseSchema,
  },
  stats: {
    method: 'GET',
    path: '/v1/mailboxes/:receiver',
    summary: 'Counts of one mailbox (admin)',
    reply: mailboxStatsSchema,
  },
  headers: {
    method: 'GET',
    path: '/v1/mailboxes/:receiver/headers',
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
    method: 'GET',
    path: '/v1/mailboxes/:receiver/dead',
    summary: 'Dead letters of a mailbox (admin)',
    reply: headersResponseSchema,
    query: [limitQuery],
  },
  redrive: {
    method: 'POST',
    path: '/v1/mailboxes/:receiver/redrive',
    summary: 'Make dead letters due again (admin)',
    body: redriveRequestSchema,
    reply: countResponseSchema,
  },
  purge: {
    method: 'DELETE',
    path: '/v1/mailboxes/:receiver',
    summary: 'Delete every message of a mailbox (admin)',
    reply: countResponseSchema,
  },
} as const satisfies Record<string, JsonRoute>

/** The name of a JSON API route. */
export type JsonRouteId = keyof typeof JSON_ROUTES

/**
 * The concrete path of a route: each `:name` replaced by its percent-encoded parameter.
 *
 * @example
 * ```ts
 * routePath('fetch', { receiver: 'orders@shop' }) // '/v1/mailboxes/orders%40shop/fetch'
 * ```
 */
export function routePath(id: JsonRouteId, params: { receiver?: string; mid?: string } = {}): string {
  return JSON_ROUTES[id].path.replace(/:(receiver|mid)\b/g, (_, name: 'receiver' | 'mid') => {
    const value = params[name]
    if (value === undefined) throw new TypeError(`route ${id} needs the ${name} parameter`)
    return encodeURIComponent(value)
  })
}
