import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

/** The names an `index.ts` exports (values and types), read from its source: types leave no runtime trace. */
function exportedNames(path: URL): Set<string> {
  const source = readFileSync(path, 'utf8')
  const names = new Set<string>()
  for (const [, list] of source.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const item of list!.split(',')) {
      const name = item
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .at(-1)
      if (name) names.add(name)
    }
  }
  return names
}

describe('public surface', () => {
  it('public surface - no server export shares a name with an export of core or the client', () => {
    const server = exportedNames(new URL('./index.ts', import.meta.url))
    expect(server.has('createServer')).toBe(true)
    for (const other of ['../../core/src/index.ts', '../../client/src/index.ts']) {
      const names = exportedNames(new URL(other, import.meta.url))
      expect(names.size, other).toBeGreaterThan(10)
      expect(
        [...server].filter((n) => names.has(n)),
        other,
      ).toEqual([])
    }
  })
})
