// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time.
//   node bench/cpuprofile.mjs <file.cpuprofile> [top=15]
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

export function summarise(file, top = 15) {
  const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(file, 'utf8'))
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const self = new Map() // node id → µs
  for (let k = 0; k < samples.length; k++)
    self.set(samples[k], (self.get(samples[k]) ?? 0) + (timeDeltas[k] ?? 0))
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1
  const perFunction = new Map() // "name file:line" → µs
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame
    const where = url ? ` ${basename(url)}:${lineNumber + 1}` : ''
    const key = `${functionName || '(anonymous)'}${where}`
    perFunction.set(key, (perFunction.get(key) ?? 0) + us)
  }
  return [...perFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = 15] = process.argv.slice(2)
  for (const { name, ms, share } of summarise(file, Number(top)))
    console.log(`${(share * 100).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(7)} ms  ${name}`)
}
