import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { JSON_ROUTES } from '@pandora/core'
import { describe, expect, it } from 'vitest'
import { openApiDocument, openApiPath } from './openapi.js'
import { VERSION } from './version.js'

const checkedIn = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url))

describe('OpenAPI document', () => {
  it('docs - docs/openapi.json matches the schemas the server validates with', () => {
    const generated = `${JSON.stringify(openApiDocument(VERSION), null, 2)}\n`
    // `npm run openapi` regenerates the file; every other run compares it.
    if (process.env.PANDORA_WRITE_OPENAPI === '1') writeFileSync(checkedIn, generated)
    else
      expect(readFileSync(checkedIn, 'utf8'), 'docs/openapi.json is stale: run npm run openapi').toBe(
        generated,
      )
  })

  it('docs - every JSON API route is documented with its method, and nothing else is', () => {
    const doc = openApiDocument(VERSION) as { paths: Record<string, Record<string, unknown>> }
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    )
    const routes = Object.values(JSON_ROUTES).map((r) => `${r.method} ${openApiPath(r.path)}`)
    expect(documented.sort()).toEqual(routes.sort())
    expect(documented).toContain('GET /v1/info')
  })
})
