import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../bin/pandorad.js', import.meta.url))
const built = fileURLToPath(new URL('../dist/main.js', import.meta.url))

/** A pandorad process started by a test. */
export interface RunningPandorad {
  url: string
  child: ChildProcess
  /** Everything it printed so far. */
  output(): string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
}

/** Starts the built pandorad with `args` (port 0) and resolves once it logged its URL. */
export async function spawnPandorad(
  args: string[],
  env: Record<string, string> = {},
): Promise<RunningPandorad> {
  if (!existsSync(built))
    throw new Error('pandorad is not built: run `npm run build` first (turbo runs it before tests)')
  const child = spawn(process.execPath, [bin, '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  // 'close', not 'exit': by then its output has been read to the end.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out)
      if (m) resolve(m[1]!)
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (c: Buffer) => {
      out += c.toString()
    })
    void exited.then((code) => reject(new Error(`pandorad exited with ${code} before listening:\n${out}`)))
  })
  return { url, child, output: () => out, exited }
}
