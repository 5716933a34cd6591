import {
  ackRequestSchema,
  countResponseSchema,
  fetchRequestSchema,
  fetchResponseSchema,
  headersResponseSchema,
  mailboxesResponseSchema,
  mailboxStatsSchema,
  okResponseSchema,
  problemSchema,
  redriveRequestSchema,
  rejectRequestSchema,
  renewRequestSchema,
  renewResponseSchema,
  sendBatchRequestSchema,
  sendBatchResponseSchema,
  sendRequestSchema,
  sendResponseSchema,
  storedMessageSchema,
} from '@pandora/core'
import { z } from 'zod'

type Schema = z.ZodType
interface Op {
  method: 'get' | 'post' | 'delete'
  path: string
  summary: string
  body?: Schema
  reply: Schema
  status?: number
  query?: { name: string; description: string; schema: Record<string, unknown> }[]
}

const id = (s: Schema): string => {
  const meta = z.globalRegistry.get(s) as { id?: string } | undefined
  if (!meta?.id) throw new Error('every OpenAPI schema needs a meta id')
  return meta.id
}
const ref = (s: Schema) => ({ $ref: `#/components/schemas/${id(s)}` })

const receiverParam = {
  name: 'receiver',
  in: 'path',
  required: true,
  description: 'Mailbox name, percent-encoded',
  schema: { type: 'string' },
}
const midParam = {
  name: 'mid',
  in: 'path',
  required: true,
  description: 'Message id',
  schema: { type: 'string' },
}
const statsRef = mailboxStatsSchema
const limitQuery = { name: 'limit', description: 'At most this many (1–1000)', schema: { type: 'integer' } }

const OPS: Op[] = [
  {
    method: 'post',
    path: '/v1/messages',
    summary: 'Send a message',
    body: sendRequestSchema,
    reply: sendResponseSchema,
    status: 201,
  },
  {
    method: 'post',
    path: '/v1/messages/batch',
    summary: 'Send up to 256 messages in one transaction',
    body: sendBatchRequestSchema,
    reply: sendBatchResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/mailboxes/{receiver}/fetch',
    summary: 'Lease due messages, optionally waiting for one',
    body: fetchRequestSchema,
    reply: fetchResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/messages/{mid}/ack',
    summary: 'Confirm a leased message',
    body: ackRequestSchema,
    reply: okResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/messages/{mid}/reject',
    summary: 'Give a leased message back, optionally after a delay',
    body: rejectRequestSchema,
    reply: okResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/messages/{mid}/renew',
    summary: 'Extend a live lease',
    body: renewRequestSchema,
    reply: renewResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/messages/{mid}',
    summary: 'A message with its body (admin)',
    reply: storedMessageSchema,
  },
  {
    method: 'get',
    path: '/v1/mailboxes',
    summary: 'Counts of every mailbox (admin)',
    reply: mailboxesResponseSchema,
  },
  {
    method: 'get',
    path: '/v1/mailboxes/{receiver}',
    summary: 'Counts of one mailbox (admin)',
    reply: statsRef,
  },
  {
    method: 'get',
    path: '/v1/mailboxes/{receiver}/headers',
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
  {
    method: 'get',
    path: '/v1/mailboxes/{receiver}/dead',
    summary: 'Dead letters of a mailbox (admin)',
    reply: headersResponseSchema,
    query: [limitQuery],
  },
  {
    method: 'post',
    path: '/v1/mailboxes/{receiver}/redrive',
    summary: 'Make dead letters due again (admin)',
    body: redriveRequestSchema,
    reply: countResponseSchema,
  },
  {
    method: 'delete',
    path: '/v1/mailboxes/{receiver}',
    summary: 'Delete every message of a mailbox (admin)',
    reply: countResponseSchema,
  },
]

/**
 * The OpenAPI 3.1 document of the JSON API, generated from the same zod schemas that validate
 * requests (so the two cannot drift). Served at `/v1/openapi.json` and checked into docs/.
 */
export function openApiDocument(version: string): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    uri: (name) => `#/components/schemas/${name}`,
    io: 'input',
    unrepresentable: 'any',
  }) as { schemas: Record<string, Record<string, unknown>> }
  for (const s of Object.values(schemas)) {
    delete s.$schema
    delete s.$id
  }
  const problem = {
    description: 'Error',
    content: { 'application/problem+json': { schema: ref(problemSchema) } },
  }
  const paths: Record<string, Record<string, unknown>> = {}
  for (const op of OPS) {
    const params = [
      ...(op.path.includes('{receiver}') ? [receiverParam] : []),
      ...(op.path.includes('{mid}') ? [midParam] : []),
      ...(op.query ?? []).map((q) => ({ ...q, in: 'query', required: false })),
    ]
    paths[op.path] ??= {}
    paths[op.path]![op.method] = {
      summary: op.summary,
      ...(params.length ? { parameters: params } : {}),
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body) } } } }
        : {}),
      responses: {
        [String(op.status ?? 200)]: {
          description: 'OK',
          content: { 'application/json': { schema: ref(op.reply) } },
        },
        '4XX': problem,
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pandora JSON API',
      version,
      description:
        'Mailbox messages with leases. Durations are milliseconds, times RFC 3339. With tokens configured, send `Authorization: Bearer <token>`. WebSocket push lives at /v1/ws (see docs/protocol.md).',
    },
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{}, { bearer: [] }],
    paths,
  }
}
