import { describe, expect, it } from 'vitest'
import { TurnBatcher } from './turn-batcher.js'

/** A batcher whose flushes are recorded; `fail` makes the items it names fail alone. */
function recorder(options: { maxBatch: number; maxSize?: number; fail?: string[]; whole?: Error }) {
  const flushed: string[][] = []
  const batcher = new TurnBatcher<string, string>({
    maxBatch: options.maxBatch,
    ...(options.maxSize !== undefined ? { maxSize: options.maxSize, size: (s: string) => s.length } : {}),
    flush: async (items) => {
      flushed.push(items)
      if (options.whole) throw options.whole
      return items.map((i) =>
        options.fail?.includes(i)
          ? { ok: false as const, error: new Error(`no ${i}`) }
          : { ok: true as const, value: i.toUpperCase() },
      )
    },
  })
  return { batcher, flushed }
}

describe('turn batcher', () => {
  it('batching - what is added in one turn leaves together, in chunks of maxBatch, each caller with its own result', async () => {
    const { batcher, flushed } = recorder({ maxBatch: 2 })
    const results = await Promise.all(['a', 'b', 'c'].map((x) => batcher.add(x)))
    expect(flushed).toEqual([['a', 'b'], ['c']])
    expect(results).toEqual(['A', 'B', 'C'])
    await batcher.add('d')
    expect(flushed.at(-1)).toEqual(['d'])
  })

  it('batching - a chunk never grows past maxSize, but an item larger than it still goes alone', async () => {
    const { batcher, flushed } = recorder({ maxBatch: 10, maxSize: 5 })
    await Promise.all(['aa', 'bb', 'cc', 'dddddddd', 'e'].map((x) => batcher.add(x)))
    expect(flushed).toEqual([['aa', 'bb'], ['cc'], ['dddddddd'], ['e']])
  })

  it('errors - an item that fails rejects only its caller; a chunk that fails whole rejects all of it', async () => {
    const { batcher } = recorder({ maxBatch: 10, fail: ['b'] })
    const settled = await Promise.allSettled(['a', 'b'].map((x) => batcher.add(x)))
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected'])
    const broken = recorder({ maxBatch: 10, whole: new Error('socket gone') })
    const all = await Promise.allSettled(['a', 'b'].map((x) => broken.batcher.add(x)))
    expect(all.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : 'ok'))).toEqual([
      'socket gone',
      'socket gone',
    ])
  })
})
