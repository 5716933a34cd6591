import { PandoraError } from '@pandora/core'
import { describe, expect, it } from 'vitest'
import { ACK_FLUSH_AT, AckBatcher } from './ack-batcher.js'
import type { Reply, RequestFrame } from './pending-replies.js'

type AcksFrame = Extract<RequestFrame, { type: 'acks' }>

/** A batcher whose turns end when the test says so, and whose requests the test answers. */
function harness(maxBatch = 10) {
  const frames: { frame: AcksFrame; answer: (reply: Reply) => void; fail: (e: unknown) => void }[] = []
  let flush: (() => void) | undefined
  const batcher = new AckBatcher({
    maxBatch,
    nextTurn: (run) => {
      flush = run
    },
    request: (frame) =>
      new Promise<Reply>((resolve, reject) => frames.push({ frame, answer: resolve, fail: reject })),
  })
  return {
    batcher,
    frames,
    endTurn() {
      const run = flush
      flush = undefined
      run?.()
    },
  }
}

describe('ack batcher', () => {
  it('ack batcher - acks of one turn leave in one frame, in order', async () => {
    const h = harness()
    const acks = [h.batcher.add('m1', 'l1'), h.batcher.add('m2', 'l2')]
    expect(h.frames).toHaveLength(0)
    h.endTurn()
    expect(h.frames.map((f) => f.frame)).toEqual([
      {
        type: 'acks',
        items: [
          { mid: 'm1', lid: 'l1' },
          { mid: 'm2', lid: 'l2' },
        ],
      },
    ])
    h.frames[0]?.answer({ type: 'ok' })
    await expect(Promise.all(acks)).resolves.toEqual([undefined, undefined])
  })

  it('ack batcher - a burst larger than the limit is split into frames of at most maxBatch', () => {
    const h = harness(2)
    for (let i = 0; i < 5; i++) h.batcher.add(`m${i}`, `l${i}`).catch(() => {})
    h.endTurn()
    expect(h.frames.map((f) => f.frame.items.length)).toEqual([2, 2, 1])
  })

  it('ack batcher - a long burst sends its first acks at once, without waiting for the burst to end', () => {
    const h = harness(64)
    for (let i = 0; i < 40; i++) h.batcher.add(`m${i}`, `l${i}`).catch(() => {})
    // Two frames of ACK_FLUSH_AT are out while the burst is still running; the rest at its end.
    expect(h.frames.map((f) => f.frame.items.length)).toEqual([ACK_FLUSH_AT, ACK_FLUSH_AT])
    expect(h.frames[1]?.frame.items[0]).toEqual({ mid: `m${ACK_FLUSH_AT}`, lid: `l${ACK_FLUSH_AT}` })
    h.endTurn()
    expect(h.frames.map((f) => f.frame.items.length)).toEqual([
      ACK_FLUSH_AT,
      ACK_FLUSH_AT,
      40 - 2 * ACK_FLUSH_AT,
    ])
    h.endTurn()
    expect(h.frames).toHaveLength(3)
  })

  it('ack batcher - the next turn starts a new frame', () => {
    const h = harness()
    h.batcher.add('m1', 'l1').catch(() => {})
    h.endTurn()
    h.batcher.add('m2', 'l2').catch(() => {})
    h.endTurn()
    expect(h.frames.map((f) => f.frame.items.map((i) => i.mid))).toEqual([['m1'], ['m2']])
  })

  it('ack batcher - an item the server reports as failed rejects only that ack', async () => {
    const h = harness()
    const first = h.batcher.add('m1', 'l1')
    const second = h.batcher.add('m2', 'l2')
    h.endTurn()
    h.frames[0]?.answer({
      type: 'ok',
      errors: [{ index: 1, code: 'unable_to_change_status', message: 'lease lost' }],
    })
    await expect(first).resolves.toBeUndefined()
    await expect(second).rejects.toMatchObject({ code: 'unable_to_change_status' })
  })

  it('ack batcher - a failed request rejects every ack of its frame', async () => {
    const h = harness()
    const acks = [h.batcher.add('m1', 'l1'), h.batcher.add('m2', 'l2')]
    h.endTurn()
    const lost = new PandoraError('connection_lost', 'dropped')
    h.frames[0]?.fail(lost)
    for (const ack of acks) await expect(ack).rejects.toBe(lost)
  })
})
