import { MemoryStore, type WriteStats } from '@pandora/core'
import { describe, expect, it } from 'vitest'
import { Metrics } from './metrics.js'

const WRITE_COUNTERS = [
  'pandora_store_commits_total',
  'pandora_store_fsyncs_total',
  'pandora_store_durable_writes_total',
]

/** The exposition lines (HELP, TYPE, samples) of the store's write counters, in that order. */
async function scrapeWriteCounters(metrics: Metrics): Promise<string[]> {
  const lines = (await metrics.registry.metrics()).split('\n')
  return WRITE_COUNTERS.flatMap((name) =>
    lines.filter((line) => {
      const words = line.split(' ')
      return words[0] === name || (words[0] === '#' && words[2] === name)
    }),
  )
}

const expected = (s: WriteStats) => [
  '# HELP pandora_store_commits_total Store transactions committed (group commits)',
  '# TYPE pandora_store_commits_total counter',
  `pandora_store_commits_total ${s.commits}`,
  '# HELP pandora_store_fsyncs_total fsyncs of the store log before answering durable writes',
  '# TYPE pandora_store_fsyncs_total counter',
  `pandora_store_fsyncs_total ${s.fsyncs}`,
  '# HELP pandora_store_durable_writes_total Durable writes (sends, redrives, purges) covered by those fsyncs',
  '# TYPE pandora_store_durable_writes_total counter',
  `pandora_store_durable_writes_total ${s.durableWrites}`,
]

describe('metrics', () => {
  it('metrics - the store write counters report the store totals at each scrape', async () => {
    let stats: WriteStats = { commits: 7, fsyncs: 3, durableWrites: 5 }
    const store = Object.assign(new MemoryStore(), { writeStats: () => stats })
    const metrics = new Metrics(store, () => 0)
    try {
      expect(await scrapeWriteCounters(metrics)).toEqual(expected(stats))
      stats = { commits: 12, fsyncs: 4, durableWrites: 9 }
      expect(await scrapeWriteCounters(metrics)).toEqual(expected(stats))
      // JSON exposition too (what an aggregating registry reads).
      const json = await metrics.registry.getMetricsAsJSON()
      const commits = json.find((m) => m.name === 'pandora_store_commits_total')
      expect(commits).toMatchObject({ type: 'counter', values: [{ value: 12, labels: {} }] })
    } finally {
      await store.close()
    }
  })

  it('metrics - a store that does not count its writes has no write counters', async () => {
    const store = new MemoryStore()
    try {
      expect(await scrapeWriteCounters(new Metrics(store, () => 0))).toEqual([])
    } finally {
      await store.close()
    }
  })
})
