import { describe, expect, it } from 'vitest'
import { toSendRequest } from './send-request.js'

describe('send request', () => {
  it("send request - the message's own sender wins over the default; delay only when given", () => {
    const at = new Date('2024-05-01T10:00:00.000Z')
    expect(toSendRequest({ receiver: 'b@x', fields: { k: 'v' }, from: 'a@x' }, 'default@x', at)).toEqual({
      receiver: 'b@x',
      sender: 'a@x',
      fields: { k: 'v' },
      clientTime: '2024-05-01T10:00:00.000Z',
    })
    expect(toSendRequest({ receiver: 'b@x', fields: {}, delay: 5 }, 'default@x', at)).toMatchObject({
      sender: 'default@x',
      delay: 5,
    })
  })

  it('send request - a clientTime string is kept as given', () => {
    const request = toSendRequest({ receiver: 'b@x', fields: {} }, 'a@x', '2024-05-01T12:00:00+02:00')
    expect(request.clientTime).toBe('2024-05-01T12:00:00+02:00')
  })

  it('send request - no sender at all, or an invalid Date, is refused', () => {
    expect(() => toSendRequest({ receiver: 'b@x', fields: {} }, undefined)).toThrow(
      expect.objectContaining({ code: 'invalid_mailbox' }),
    )
    expect(() => toSendRequest({ receiver: 'b@x', fields: {} }, 'a@x', new Date(Number.NaN))).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    )
  })
})
