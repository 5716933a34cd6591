import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
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
