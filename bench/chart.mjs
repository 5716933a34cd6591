// One SVG bar chart per scenario from bench/results/latest.json, written next to it.
//   node bench/chart.mjs
// Bars show ops/s where the scenario has them, else p99 (with p50 as a darker inner bar), in ms.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('results/', import.meta.url))
const { rows } = JSON.parse(readFileSync(`${dir}latest.json`, 'utf8'))
const esc = (s) => String(s).replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)
const slug = (s) =>
  s
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase()
const COLORS = { pandora: '#2f6fdf', bullmq: '#d9534f', pgboss: '#5cb85c' }
const color = (system) => COLORS[Object.keys(COLORS).find((k) => system.startsWith(k))] ?? '#888'

const written = []
for (const scenario of [...new Set(rows.map((r) => r.scenario))]) {
  const bars = rows.filter((r) => r.scenario === scenario && !r.error)
  if (bars.length === 0) continue
  const ops = bars.some((r) => r.ops_per_sec)
  const value = (r) => (ops ? r.ops_per_sec : r.p99_ms) ?? 0
  const max = Math.max(...bars.map(value)) || 1
  const [left, width, barH, gap] = [220, 360, 18, 6]
  const height = 40 + bars.length * (barH + gap)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 90}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(scenario)}</title>`,
    `<text x="8" y="18" font-weight="bold">${esc(scenario)} — ${ops ? 'messages/s (higher is better)' : 'p50 / p99 ms (lower is better)'}</text>`,
  ]
  bars.forEach((r, k) => {
    const y = 30 + k * (barH + gap)
    const w = Math.max(1, (value(r) / max) * width)
    parts.push(
      `<text x="${left - 6}" y="${y + 13}" text-anchor="end">${esc(`${r.system} (${r.durability})`)}</text>`,
    )
    parts.push(
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color(r.system)}" opacity="${ops ? 1 : 0.45}"/>`,
    )
    if (!ops && r.p50_ms != null) {
      const w50 = Math.max(1, (r.p50_ms / max) * width)
      parts.push(
        `<rect x="${left}" y="${y}" width="${w50.toFixed(1)}" height="${barH}" fill="${color(r.system)}"/>`,
      )
    }
    const text = ops
      ? Math.round(value(r)).toLocaleString('en-US')
      : `${r.p50_ms?.toFixed(1)} / ${r.p99_ms?.toFixed(1)}`
    parts.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y + 13}">${esc(text)}</text>`)
  })
  parts.push('</svg>')
  const file = `${slug(scenario)}.svg`
  writeFileSync(`${dir}${file}`, `${parts.join('\n')}\n`)
  written.push(file)
}
console.log(written.join('\n'))
