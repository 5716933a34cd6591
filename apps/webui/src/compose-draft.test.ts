import { byteLength, encodeFields } from '@pandora/core'
import { describe, expect, it } from 'vitest'
import { type ComposeDraft, checkDraft, mailboxProblem, parseDelay, parsePriority } from './compose-draft.js'

const draft = (over: Partial<ComposeDraft> = {}): ComposeDraft => ({
  to: 'orders@shop',
  from: 'web@shop',
  delay: '',
  topic: '',
  fields: [],
  ...over,
})

describe('compose draft', () => {
  it('compose - priority: empty is 0; whole numbers from -10 to 10; anything else is flagged', () => {
    expect(parsePriority('')).toEqual({ priority: 0 })
    expect(parsePriority(' 10 ')).toEqual({ priority: 10 })
    expect(parsePriority('-10')).toEqual({ priority: -10 })
    for (const bad of ['11', '-11', '1.5', 'high', '1e1']) expect(parsePriority(bad)).toHaveProperty('error')
    const check = checkDraft(draft({ priority: '5' }), 4096)
    expect(check).toMatchObject({ ok: true, priority: 5 })
    expect(checkDraft(draft({ priority: '99' }), 4096).errors.priority).toMatch(/-10/)
  })

  it('compose - more recipients: each checked; the size is that of the longest name; at most 64', () => {
    const long = `${'l'.repeat(200)}@shop`
    const check = checkDraft(
      draft({
        also: [
          { id: 1, name: long },
          { id: 2, name: '' },
          { id: 3, name: 'bad\tname' },
        ],
      }),
      4096,
      '2024-01-01T00:00:00.000Z',
    )
    expect(check.recipients).toEqual(['orders@shop', long])
    expect(check.errors.also?.[3]).toMatch(/printable/)
    expect(check.ok).toBe(false)
    const body = encodeFields({
      clientTime: ['2024-01-01T00:00:00.000Z'],
      receiver: [long],
      sender: ['web@shop'],
    })
    expect(check.size).toBe(byteLength(body))
    const many = Array.from({ length: 64 }, (_, i) => ({ id: i, name: `m${i}@shop` }))
    expect(checkDraft(draft({ also: many }), 4096).errors.recipients).toMatch(/64/)
    expect(checkDraft(draft({ also: many.slice(1) }), 4096).ok).toBe(true)
  })

  it('compose - a complete draft is ok and carries topic and custom fields', () => {
    const check = checkDraft(
      draft({
        topic: 'new-order',
        fields: [
          { id: 1, name: 'sku', value: 'A1' },
          { id: 2, name: 'sku', value: 'B2' },
        ],
      }),
      4096,
    )
    expect(check.ok).toBe(true)
    expect(check.fields).toEqual({ topic: ['new-order'], sku: ['A1', 'B2'] })
  })

  it('compose - prototype names such as constructor and __proto__ are ordinary custom fields', () => {
    const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']
    const check = checkDraft(
      draft({
        fields: names.flatMap((name, i) => [
          { id: 2 * i, name, value: `${name}-1` },
          { id: 2 * i + 1, name, value: `${name}-2` },
        ]),
      }),
      4096,
      '2024-01-01T00:00:00.000Z',
    )
    expect(check.ok).toBe(true)
    const own = Object.fromEntries(
      Object.keys(check.fields).map((k) => [k, Object.getOwnPropertyDescriptor(check.fields, k)?.value]),
    )
    expect(own).toEqual(Object.fromEntries(names.map((n) => [n, [`${n}-1`, `${n}-2`]])))
    // The size counts every field, __proto__ included.
    const body = encodeFields(
      Object.assign(Object.create(null), own, {
        sender: ['web@shop'],
        receiver: ['orders@shop'],
        clientTime: ['2024-01-01T00:00:00.000Z'],
      }),
    )
    expect(body).toContain('__proto__=__proto__-1&__proto__=__proto__-2')
    expect(check.size).toBe(byteLength(body))
  })

  it('compose - an empty To or From is required, control characters are refused', () => {
    const check = checkDraft(draft({ to: '', from: 'a\u0007b' }), 4096)
    expect(check.ok).toBe(false)
    expect(check.errors.to).toMatch(/required/)
    expect(check.errors.from).toMatch(/printable/)
  })

  it('compose - a mailbox longer than 255 characters is refused, 255 is fine', () => {
    expect(mailboxProblem('x'.repeat(255), 'To')).toBeUndefined()
    expect(mailboxProblem('x'.repeat(256), 'To')).toMatch(/255/)
    expect(mailboxProblem('line\nbreak', 'To')).toMatch(/printable/)
  })

  it('compose - delay takes durations with units and refuses bare numbers and negatives', () => {
    expect(parseDelay('')).toEqual({ ms: 0 })
    expect(parseDelay('1m30s')).toEqual({ ms: 90_000 })
    expect(parseDelay('250ms')).toEqual({ ms: 250 })
    expect(parseDelay('30')).toHaveProperty('error')
    expect(parseDelay('-5s')).toHaveProperty('error')
    expect(parseDelay('soon')).toHaveProperty('error')
    expect(parseDelay('400d')).toHaveProperty('error')
  })

  it('compose - field rows need a name and may not use the names Pandora sets', () => {
    const check = checkDraft(
      draft({
        fields: [
          { id: 1, name: '', value: 'orphan' },
          { id: 2, name: 'sender', value: 'me' },
          { id: 3, name: '', value: '' },
        ],
      }),
      4096,
    )
    expect(check.ok).toBe(false)
    expect(check.errors.fields?.[1]).toMatch(/name/)
    expect(check.errors.fields?.[2]).toMatch(/set by Pandora/)
    expect(check.errors.fields?.[3]).toBeUndefined()
  })

  it('compose - size counts the fields the server adds, exactly as it encodes them', () => {
    const clientTime = '2026-11-27T14:00:00.000Z'
    const check = checkDraft(draft({ topic: 'héllo wörld' }), 4096, clientTime)
    const expected = encodeFields({
      topic: ['héllo wörld'],
      sender: ['web@shop'],
      receiver: ['orders@shop'],
      clientTime: [clientTime],
    })
    expect(check.size).toBe(byteLength(expected))
  })

  it('compose - a body over the server maximum is refused, one at the maximum is fine', () => {
    const base = checkDraft(draft({ topic: 'x' }), 4096).size
    const fits = checkDraft(draft({ topic: 'x'.repeat(1 + 4096 - base) }), 4096)
    expect(fits.size).toBe(4096)
    expect(fits.ok).toBe(true)
    const over = checkDraft(draft({ topic: 'x'.repeat(2 + 4096 - base) }), 4096)
    expect(over.ok).toBe(false)
    expect(over.errors.body).toMatch(/4097 of at most 4096/)
  })
})
