import { describe, expect, it } from 'vitest'
import { decodeFields } from './body.js'
import { blobKeyOf, prepareMessage } from './message.js'

const input = (receiver: string, fields: Record<string, string>) => ({
  sender: 'a@x',
  receiver,
  clientTime: '2026-01-01T00:00:00Z',
  fields,
})

describe('messages', () => {
  it('messages - the shared body is the body without its receiver, and its key is blobKeyOf the fields', async () => {
    const one = await prepareMessage(input('b@x', { topic: 'hi' }), { now: 0 })
    const two = await prepareMessage(input('c@x', { topic: 'hi' }), { now: 0 })
    expect(one.mid).not.toBe(two.mid)
    expect(one.blob).toBe(two.blob)
    expect(one.blob).toBe(blobKeyOf(one.fields))
    expect(Object.keys(decodeFields(new TextDecoder().decode(one.shared))).sort()).toEqual([
      'clientTime',
      'sender',
      'topic',
    ])
  })

  it('messages - a receiver field given by the sender is replaced, in the shared body too', async () => {
    const m = await prepareMessage(input('b@x', { receiver: 'spoof@x', topic: 'hi' }), { now: 0 })
    expect(m.fields.receiver).toEqual(['b@x'])
    expect(new TextDecoder().decode(m.shared)).not.toContain('spoof')
    expect(m.blob).toBe(blobKeyOf(m.fields))
  })
})
