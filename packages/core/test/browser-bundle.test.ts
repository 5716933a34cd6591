import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { describe, expect, it } from 'vitest'

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url))
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]))
const serverOnly = new Set(['better-sqlite3', 'pg', 'ws'])

/** Records every import of a Node built-in or server-only driver instead of resolving it. */
function forbidden(found: string[]): Plugin {
  return {
    name: 'forbid-node',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.split('/')[0]!
        if (builtins.has(args.path) || args.path.startsWith('node:') || serverOnly.has(bare)) {
          found.push(`${args.path} (imported by ${args.importer})`)
          return { path: args.path, external: true }
        }
        return undefined
      })
    },
  }
}

describe('@pandora/core in the browser', () => {
  it('browser bundle - the root entry bundles for the browser with no Node built-in or server driver', async () => {
    const found: string[] = []
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      logLevel: 'silent',
      plugins: [forbidden(found)],
    })
    expect(found).toEqual([])
    expect(result.errors).toEqual([])
    const code = result.outputFiles[0]!.text
    expect(code).toContain('invalid mailbox')
  })

  it('browser bundle - the check itself catches a Node import', async () => {
    const found: string[] = []
    await build({
      stdin: {
        contents: "import { createHash } from 'node:crypto'; export const h = createHash",
        loader: 'ts',
      },
      bundle: true,
      write: false,
      platform: 'browser',
      logLevel: 'silent',
      plugins: [forbidden(found)],
    })
    expect(found).toEqual(['node:crypto (imported by <stdin>)'])
  })
})
