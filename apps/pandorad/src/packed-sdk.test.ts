import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { transform } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fencedBlocks } from './doc-blocks.js'
import { type RunningPandorad, spawnPandorad } from './spawn-pandorad.js'

// The SDK as a user installs it from the registry: the packages' tarballs (`npm pack`) installed
// into a fresh project outside the repository, running the README's SDK example against pandorad.
const run = promisify(execFile)
const root = fileURLToPath(new URL('../../../', import.meta.url))
const tsc = join(root, 'node_modules/typescript/bin/tsc')
const project = mkdtempSync(join(tmpdir(), 'pandora-packed-'))
const readmeExample = fencedBlocks('README.md', readFileSync(join(root, 'README.md'), 'utf8')).find(
  (b) => b.lang === 'ts' && b.code.includes("from '@pandora/client'"),
)!
let server: RunningPandorad
let example: string

beforeAll(async () => {
  await run(
    'npm',
    [
      'pack',
      '--pack-destination',
      project,
      '-w',
      '@pandora/core',
      '-w',
      '@pandora/server',
      '-w',
      '@pandora/client',
    ],
    { cwd: root },
  )
  const tarballs = readdirSync(project).filter((f) => f.endsWith('.tgz'))
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'newcomer', private: true, type: 'module' }),
  )
  // Our packages come from the tarballs only; their third-party dependencies from npm's cache or registry.
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs.map((t) => `./${t}`)],
    {
      cwd: project,
      env: { ...process.env, npm_config_workspaces: 'false' },
    },
  )
  server = await spawnPandorad(['--store', 'memory'])
  example = readmeExample.code.replaceAll('http://127.0.0.1:4003', server.url)
}, 90_000)

afterAll(() => {
  server?.child.kill('SIGKILL')
  rmSync(project, { recursive: true, force: true })
})

const node = async (file: string) =>
  (await run(process.execPath, [file], { cwd: project, timeout: 20_000 })).stdout

describe('packed SDK', () => {
  it('packed SDK - every @pandora package comes from its tarball, each depending on the others by range', () => {
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'))
    for (const name of ['@pandora/core', '@pandora/server', '@pandora/client'])
      expect(lock.packages[`node_modules/${name}`].resolved, name).toMatch(
        /^file:pandora-(core|server|client)-/,
      )
    const client = JSON.parse(
      readFileSync(join(project, 'node_modules/@pandora/client/package.json'), 'utf8'),
    )
    expect(client.dependencies['@pandora/core']).toMatch(/^\^\d/)
  })

  it('packed SDK - the README example runs as ESM', async () => {
    writeFileSync(
      join(project, 'example.mjs'),
      (await transform(example, { loader: 'ts', format: 'esm' })).code,
    )
    expect(await node('example.mjs')).toBe(readmeExample.output)
  })

  it('packed SDK - the README example runs as CommonJS', async () => {
    // CommonJS has no top-level await: the same body inside an async function, with require().
    const js = (await transform(example, { loader: 'ts', format: 'esm' })).code
    const body = js.replace(/^import \{ PandoraClient \} from "@pandora\/client";$/m, '')
    const cjs = `const { PandoraClient } = require('@pandora/client')\n;(async () => {\n${body}\n})()\n`
    writeFileSync(join(project, 'example.cjs'), cjs)
    expect(await node('example.cjs')).toBe(readmeExample.output)
  })

  it.each(['bundler', 'nodenext'])(
    'packed SDK - the README example type-checks with moduleResolution %s',
    async (moduleResolution) => {
      writeFileSync(join(project, 'example.ts'), example)
      const module = moduleResolution === 'bundler' ? 'esnext' : 'nodenext'
      const compilerOptions = {
        strict: true,
        noEmit: true,
        target: 'es2022',
        lib: ['es2022', 'dom'],
        module,
        moduleResolution,
        types: [],
      }
      const tsconfig = `tsconfig.${moduleResolution}.json`
      writeFileSync(join(project, tsconfig), JSON.stringify({ compilerOptions, files: ['example.ts'] }))
      const result = await run(process.execPath, [tsc, '-p', tsconfig], { cwd: project }).catch(
        (e: { stdout: string }) => e,
      )
      expect(result.stdout).toBe('')
    },
    60_000, // tsc takes seconds, more on a busy machine
  )

  it('packed SDK - the server package loads from CommonJS and ESM', async () => {
    writeFileSync(
      join(project, 'server.cjs'),
      "console.log(typeof require('@pandora/server').createServer)\n",
    )
    writeFileSync(
      join(project, 'server.mjs'),
      "import { createServer } from '@pandora/server'\nconsole.log(typeof createServer)\n",
    )
    expect(await node('server.cjs')).toBe('function\n')
    expect(await node('server.mjs')).toBe('function\n')
  })
})
