import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { type DocBlock, fencedBlocks, freePort, RUNNABLE, runBlock, userEnv } from './doc-blocks.js'
import { type RunningPandorad, spawnPandorad } from './spawn-pandorad.js'

// Every `console` block of the docs that talks to a local pandorad runs here, command by command,
// against a fresh server, and its printed replies must be what the block shows. Values that differ
// per run — lids and times — are learned from the first reply that shows them, then substituted
// into later commands, so a block can ack the lid its fetch printed.

const root = fileURLToPath(new URL('../../../', import.meta.url))
const DOC_URL = 'http://127.0.0.1:4003'
const docs = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
)

interface Step {
  command: string
  expected: string[]
}

/** The `console` blocks of a markdown file that call the documented local server. */
function consoleBlocks(markdown: string): Step[][] {
  const blocks: Step[][] = []
  for (const m of markdown.matchAll(/```console\n([\s\S]*?)```/g)) {
    const steps: Step[] = []
    for (const line of m[1]!.split('\n')) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] })
      else if (line !== '') steps.at(-1)?.expected.push(line)
    }
    if (steps.some((s) => s.command.includes(DOC_URL))) blocks.push(steps)
  }
  return blocks
}

const VARYING = [
  /lid=([0-9a-f]{40})/g,
  /"lid":\["([0-9a-f]{40})"\]/g,
  /(\d{4}-\d\d-\d\dT\d\d(?::|%3A)\d\d(?::|%3A)\d\d(?:\.\d+)?Z)/g,
]
const plain = (s: string) => s.replaceAll('%3A', ':')

/** Learns doc value → actual value for every varying token; returns the line with them replaced. */
function bind(expected: string, actual: string, learned: Map<string, string>): string {
  const docValues = VARYING.flatMap((re) => [...expected.matchAll(re)].map((m) => m[1]!))
  const actualValues = VARYING.flatMap((re) => [...actual.matchAll(re)].map((m) => m[1]!))
  if (docValues.length !== actualValues.length) return expected
  let out = expected
  docValues.forEach((doc, i) => {
    const now = actualValues[i]!
    if (!learned.has(plain(doc))) learned.set(plain(doc), plain(now))
    out = out.replace(doc, learned.get(plain(doc)) === plain(now) ? now : doc)
  })
  return out
}

function substitute(command: string, learned: Map<string, string>, url: string): string {
  let out = command.replaceAll(DOC_URL, url)
  for (const [doc, now] of learned) out = out.replaceAll(doc, now)
  return out
}

const running: RunningPandorad[] = []
const dirs: string[] = []
afterAll(() => {
  for (const p of running) p.child.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('doc examples', () => {
  const cases = docs.flatMap((file) =>
    consoleBlocks(readFileSync(join(root, file), 'utf8')).map((steps, i) => ({ file, i, steps })),
  )
  it('doc examples - the docs have console examples to run', () => {
    expect(cases.length).toBeGreaterThan(0)
  })

  it.each(cases)('doc examples - $file block $i runs as written', async ({ steps }) => {
    const dir = mkdtempSync(join(tmpdir(), 'pandora-docs-'))
    dirs.push(dir)
    const server = await spawnPandorad(['--db', join(dir, 'pandora.db')])
    running.push(server)
    const learned = new Map<string, string>()
    for (const step of steps) {
      const command = substitute(step.command, learned, server.url)
      const actual = execFileSync('bash', ['-c', command], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .split(/\r?\n/)
        .filter((l) => l !== '')
      if (/\bcurl\b.* -i /.test(command)) {
        // With -i only the lines the doc shows are compared (the status line, the body).
        const shown = step.expected.map((line) => actual.find((a) => a === line) ?? `missing: ${line}`)
        expect(shown, command).toEqual(step.expected)
      } else {
        const expected = step.expected.map((line, n) => bind(line, actual[n] ?? '', learned))
        expect(actual, command).toEqual(expected)
      }
    }
    server.child.kill('SIGKILL')
  })
})

// Every fenced block of the READMEs and docs (the rules are in doc-blocks.ts): TypeScript,
// JavaScript and shell examples run against a real pandorad and must print what their output block
// shows; TypeScript ones also type-check.
const blockDocs = ['README.md', 'packages/client/README.md', 'apps/webui/README.md', ...docs.slice(1)]
const blocks = blockDocs
  .filter((f) => f.endsWith('.md'))
  .flatMap((file) => fencedBlocks(file, readFileSync(join(root, file), 'utf8')))
const runnable = blocks.filter((b) => RUNNABLE.includes(b.lang) && !b.flags.includes('no-run'))
const work = join(root, 'node_modules', '.cache', 'pandora-doc-examples')
const postgresUrl = process.env.PANDORA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const name = (b: DocBlock) => `${b.file}:${b.line}`

async function postgresAnswers(): Promise<string | null> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    return null
  } catch (error) {
    return (error as Error).message
  } finally {
    await client.end().catch(() => {})
  }
}

async function dropSchema(schema: string): Promise<void> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: postgresUrl })
  await client.connect()
  await client.query(`drop schema if exists ${schema} cascade`)
  await client.end()
}

describe('doc code blocks', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }))

  it('doc code blocks - every block is runnable, data, or marked no-run', () => {
    const unmarked = blocks.filter((b) => b.lang === 'html' && !b.flags.includes('no-run')).map(name)
    expect(unmarked, 'browser pages cannot run here: mark them ```html no-run').toEqual([])
    const silent = runnable.filter((b) => b.output === undefined).map(name)
    expect(silent, 'a runnable block needs a ```text output block after it').toEqual([])
    for (const b of blocks.filter((b) => b.lang === 'json'))
      expect(() => JSON.parse(b.code), name(b)).not.toThrow()
  })

  it.each(runnable.map((b) => ({ at: name(b), b })))(
    'doc code blocks - $at runs as written',
    async ({ b }) => {
      const dir = join(work, randomBytes(6).toString('hex'))
      mkdirSync(dir, { recursive: true })
      const token = b.code.includes('PANDORA_TOKEN') ? { PANDORA_TOKEN: randomBytes(16).toString('hex') } : {}
      const extra: Record<string, string> = { ...token }
      const ports = new Map<string, string>()
      let server: RunningPandorad | undefined
      let schema: string | undefined
      if (b.lang === 'sh' && /\bpandorad\b|\bnpm start\b/.test(b.code)) {
        // The block starts its own servers: each port it names becomes a free one.
        for (const [port] of b.code.matchAll(/\b400\d\b/g)) ports.set(port, String(await freePort()))
        if (b.code.includes('postgres')) {
          const unreachable = await postgresAnswers()
          if (unreachable && process.env.CI !== 'true')
            return void console.warn(`${name(b)} skipped: ${unreachable}`)
          schema = `pandora_docs_${randomBytes(4).toString('hex')}`
          extra.PANDORA_POSTGRES_SCHEMA = schema
        }
      } else {
        server = await spawnPandorad(['--db', join(dir, 'pandora.db')], token)
        running.push(server)
        ports.set('4003', new URL(server.url).port)
      }
      const code = b.code.replace(/\b400\d\b/g, (p) => ports.get(p) ?? p)
      try {
        const ran = await runBlock(b, code, dir, userEnv(extra), 30_000)
        expect(ran.code, `${name(b)} failed:\n${ran.stderr}`).toBe(0)
        expect(ran.stdout).toBe(b.output)
      } finally {
        server?.child.kill('SIGKILL')
        if (schema) await dropSchema(schema)
      }
    },
    40_000,
  )

  it('doc code blocks - the TypeScript examples type-check', () => {
    const dir = join(work, 'typecheck')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
    const compilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      types: ['node'],
    }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }))
    const files = new Map<string, string>()
    runnable
      .filter((b) => b.lang === 'ts')
      .forEach((b, i) => {
        files.set(`example-${i}.ts`, name(b))
        writeFileSync(join(dir, `example-${i}.ts`), b.code)
      })
    let report = ''
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], {
        encoding: 'utf8',
      })
    } catch (error) {
      report = String((error as { stdout?: string }).stdout)
      for (const [file, at] of files) report = report.replaceAll(file, at)
    }
    expect(report).toBe('')
  })
})
