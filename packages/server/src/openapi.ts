import { JSON_ROUTES, type JsonRoute, problemSchema } from '@pandora/core'
import { z } from 'zod'

type Schema = z.ZodType

const id = (s: Schema): string => {
  const meta = z.globalRegistry.get(s) as { id?: string } | undefined
  if (!meta?.id) throw new Error('every OpenAPI schema needs a meta id')
  return meta.id
}
const ref = (s: Schema) => ({ $ref: `#/components/schemas/${id(s)}` })

const pathParams = {
  receiver: { description: 'Mailbox name, percent-encoded' },
  mid: { description: 'Message id' },
} as const

/** `/v1/messages/:mid/ack` → `/v1/messages/{mid}/ack`. */
export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}')

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
  for (const op of Object.values(JSON_ROUTES) as JsonRoute[]) {
    const params = [
      ...(['receiver', 'mid'] as const)
        .filter((name) => op.path.includes(`:${name}`))
        .map((name) => ({
          name,
          in: 'path',
          required: true,
          description: pathParams[name].description,
          schema: { type: 'string' },
        })),
      ...(op.query ?? []).map((q) => ({ ...q, in: 'query', required: false })),
    ]
    const path = openApiPath(op.path)
    paths[path] ??= {}
    paths[path]![op.method.toLowerCase()] = {
      summary: op.summary,
      ...(params.length ? { parameters: params } : {}),
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body) } } } }
        : {}),
      ...(op.open ? { security: [{}] } : {}),
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
