import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { delimiter, join } from 'node:path'
import { transform } from 'esbuild'

/**
 * The fenced code blocks of the docs, and how the doc tests run them. The rules, as the docs state
 * them to their readers:
 * - ```ts, ```js and ```sh blocks run as written and must print what the ```text output block right
 *   after them shows; `no-run` in the info string (```ts no-run) marks one that cannot, and the
 *   text around it says why. ```html blocks are browser pages: they are always `no-run`.
 * - ```json blocks must parse. ```console blocks are sessions (doc-examples.test.ts runs them).
 */
export interface DocBlock {
  file: string
  /** 1-based line of the opening fence. */
  line: number
  lang: string
  flags: string[]
  code: string
  /** What the following ```text output block shows, if there is one. */
  output?: string
}

export const RUNNABLE = ['ts', 'js', 'sh']

export function fencedBlocks(file: string, markdown: string): DocBlock[] {
  const blocks: DocBlock[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i]!)
    if (!open) continue
    const start = i
    const body: string[] = []
    while (++i < lines.length && lines[i] !== '```') body.push(lines[i]!)
    const [lang = '', flags = []] = [open[1]!, open[2]!.trim().split(/\s+/).filter(Boolean)]
    const code = `${body.join('\n')}\n`
    const previous = blocks.at(-1)
    if (lang === 'text' && flags.includes('output') && previous && RUNNABLE.includes(previous.lang)) {
      previous.output = code
      continue
    }
    blocks.push({ file, line: start + 1, lang, flags, code })
  }
  return blocks
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()))
    })
  })
}

export interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a ts/js/sh block in `dir` (its files go there too); a block still running after `timeout` is killed. */
export async function runBlock(
  block: DocBlock,
  code: string,
  dir: string,
  env: NodeJS.ProcessEnv,
  timeout: number,
): Promise<Ran> {
  mkdirSync(dir, { recursive: true })
  let command: string[]
  if (block.lang === 'sh') {
    command = ['bash', '-euo', 'pipefail', '-c', code]
  } else {
    const js = await transform(code, { loader: block.lang === 'ts' ? 'ts' : 'js', format: 'esm' })
    const file = join(dir, 'example.mjs')
    writeFileSync(file, js.code)
    command = [process.execPath, file]
  }
  const child = spawn(command[0]!, command.slice(1), { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString()
  })
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString()
  })
  const timer = setTimeout(() => {
    stderr += `\n[still running after ${timeout} ms: killed]`
    child.kill('SIGKILL')
    // Processes it left behind may hold its output open: stop waiting for them.
    child.stdout.destroy()
    child.stderr.destroy()
  }, timeout)
  const exit = await new Promise<number | null>((resolve) => child.once('close', resolve))
  clearTimeout(timer)
  return { code: exit, stdout, stderr }
}

/** The environment of a user's shell in a clone: no `node_modules/.bin` on PATH, as npm test adds. */
export function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => !p.includes('node_modules'))
    .join(delimiter)
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path, ...extra }
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key]
  delete env.PANDORA_TOKEN
  return { ...env, ...extra }
}
