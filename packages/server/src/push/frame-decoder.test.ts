import { describe, expect, it } from 'vitest'
import { decodeFrame } from './frame-decoder.js'

const decode = (text: string, binary = false) => decodeFrame(Buffer.from(text), binary)

describe('frame decoder', () => {
  it('frame decoder - a valid frame comes back typed', () => {
    expect(decode('{"type":"ping","ref":"1"}')).toEqual({ ok: true, frame: { type: 'ping', ref: '1' } })
  })

  it('frame decoder - binary and non-JSON frames are invalid_input', () => {
    expect(decode('{"type":"ping"}', true)).toEqual({
      ok: false,
      reply: { type: 'error', code: 'invalid_input', message: 'frames are JSON text' },
    })
    expect(decode('{nope')).toEqual({
      ok: false,
      reply: { type: 'error', code: 'invalid_input', message: 'frame is not valid JSON' },
    })
  })

  it('frame decoder - an invalid frame is answered with its ref and the path of the problem', () => {
    const decoded = decode('{"type":"subscribe","ref":"r7","sub":"s"}')
    expect(decoded.ok).toBe(false)
    if (decoded.ok) return
    expect(decoded.reply).toMatchObject({ type: 'error', ref: 'r7', code: 'invalid_input' })
    expect(decoded.reply.message).toMatch(/^receiver: /)
  })

  it('frame decoder - a bad mailbox has its own code, as on the HTTP routes', () => {
    const decoded = decode('{"type":"subscribe","sub":"s","receiver":"bad\\u0001box"}')
    expect(decoded).toMatchObject({ ok: false, reply: { code: 'invalid_mailbox' } })
  })

  it('frame decoder - JSON that is not an object has no ref to echo', () => {
    for (const text of ['null', '42', '"ping"', '[]']) {
      const decoded = decode(text)
      expect(decoded).toMatchObject({ ok: false, reply: { type: 'error', code: 'invalid_input' } })
      expect(decoded.ok ? undefined : decoded.reply.ref).toBeUndefined()
    }
  })
})
