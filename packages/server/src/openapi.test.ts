import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { openApiDocument } from './openapi.js'
import { VERSION } from './version.js'

const checkedIn = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url))

describe('OpenAPI document', () => {
  it('docs - docs/openapi.json matches the schemas the server validates with', () => {
    const generated = `${JSON.stringify(openApiDocument(VERSION), null, 2)}\n`
    if (process.env.PANDORA_WRITE_OPENAPI === '1') writeFileSync(checkedIn, generated)
    // On a mismatch, regenerate with `npm run openapi` at the repository root.
    expect(readFileSync(checkedIn, 'utf8')).toBe(generated)
  })
})
