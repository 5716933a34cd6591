import { execFile, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { MemoryStore } from '@pandora/core'
import { createServer, type PandoraServer } from '@pandora/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Runs the built package the way a Node user gets it: `import '@pandora/client'` picks the `node`
// condition, and a Node without a global WebSocket falls back to `ws`. Lives outside src/, where
// Node built-ins are banned.

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const run = promisify(execFile)

const script = `
import { PandoraClient } from '@pandora/client'
const pandora = new PandoraClient({ url: process.argv[1], from: 'node@client-test' })
const box = 'node-entry-' + Date.now().toString(36) + '@client-test'
const got = new Promise((resolve) => pandora.subscribe(box, (m) => resolve(m.fields.get('x'))))
await pandora.connect()
await pandora.send(box, { x: 'over ws' })
console.log(JSON.stringify({ globalWebSocket: typeof globalThis.WebSocket, got: await got }))
await pandora.close()
`

describe('node entry', () => {
  let server: PandoraServer

  beforeAll(async () => {
    if (!existsSync(join(packageDir, 'dist', 'node.js'))) {
      execFileSync('npx', ['tsup'], { cwd: packageDir, stdio: 'ignore' })
    }
    server = await createServer({ store: new MemoryStore(), port: 0, host: '127.0.0.1', logger: false })
  }, 120_000)

  afterAll(async () => {
    await server?.close()
  })

  it('node entry - without a global WebSocket the client subscribes through ws', async () => {
    const env = { ...process.env }
    delete env.NODE_OPTIONS
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, server.url], {
      cwd: packageDir,
      env,
      timeout: 20_000,
    })
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')
    const major = Number(process.versions.node.split('.')[0])
    if (major < 22) expect(result.globalWebSocket).toBe('undefined')
    expect(result.got).toBe('over ws')
  })
})
