import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import type { z as zm } from 'zod/mini'
import {
  type leasedMessageSchema,
  type mailboxStatsSchema,
  type messageHeaderSchema,
  storedMessageSchema,
} from './common.js'
import {
  type countResponseSchema,
  type fanOutResponseSchema,
  type fetchResponseSchema,
  headersResponseSchema,
  type mailboxesResponseSchema,
  type okResponseSchema,
  type outgoingRequestSchema,
  type policyResponseSchema,
  problemReplySchema,
  renewResponseSchema,
  type sendBatchResponseSchema,
  type sendRequestSchema,
  type sendResponseSchema,
} from './http.js'
import * as mini from './mini.js'
import { clientFrameSchema, serverFrameSchema } from './ws.js'

// Each mini schema must produce exactly what its classic twin does: this does not compile otherwise.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
type Twin<M extends zm.ZodMiniType, C extends z.ZodType> = Same<zm.output<M>, z.output<C>>
const sameTypes: true[] = [
  true satisfies Twin<typeof mini.messageHeaderMini, typeof messageHeaderSchema>,
  true satisfies Twin<typeof mini.leasedMessageMini, typeof leasedMessageSchema>,
  true satisfies Twin<typeof mini.storedMessageMini, typeof storedMessageSchema>,
  true satisfies Twin<typeof mini.mailboxStatsMini, typeof mailboxStatsSchema>,
  true satisfies Twin<typeof mini.sendRequestMini, typeof sendRequestSchema>,
  true satisfies Twin<typeof mini.sendResponseMini, typeof sendResponseSchema>,
  true satisfies Twin<typeof mini.outgoingRequestMini, typeof outgoingRequestSchema>,
  true satisfies Twin<typeof mini.fanOutResponseMini, typeof fanOutResponseSchema>,
  true satisfies Twin<typeof mini.sendBatchResponseMini, typeof sendBatchResponseSchema>,
  true satisfies Twin<typeof mini.fetchResponseMini, typeof fetchResponseSchema>,
  true satisfies Twin<typeof mini.renewResponseMini, typeof renewResponseSchema>,
  true satisfies Twin<typeof mini.okResponseMini, typeof okResponseSchema>,
  true satisfies Twin<typeof mini.policyResponseMini, typeof policyResponseSchema>,
  true satisfies Twin<typeof mini.headersResponseMini, typeof headersResponseSchema>,
  true satisfies Twin<typeof mini.mailboxesResponseMini, typeof mailboxesResponseSchema>,
  true satisfies Twin<typeof mini.countResponseMini, typeof countResponseSchema>,
  true satisfies Twin<typeof mini.problemReplyMini, typeof problemReplySchema>,
  true satisfies Twin<typeof mini.clientFrameMini, typeof clientFrameSchema>,
  true satisfies Twin<typeof mini.serverFrameMini, typeof serverFrameSchema>,
]

const mid = 'a'.repeat(40)
const at = '2030-01-01T00:00:00.000Z'
const header = {
  mid,
  sender: 'a@x',
  receiver: 'b@x',
  status: 8,
  statusName: 'notDelivered',
  receivedAt: at,
  sendWhen: at,
  leasedUntil: null,
  deliveryCount: 0,
  size: 10,
  priority: 0,
}
const leased = {
  ...header,
  lid: 'b'.repeat(40),
  leasedUntil: at,
  fields: JSON.parse('{"__proto__":["p"],"k":["v"]}'),
}

const pairs: [string, zm.ZodMiniType, z.ZodType, unknown[]][] = [
  [
    'server frames',
    mini.serverFrameMini,
    serverFrameSchema,
    [
      { type: 'welcome', protocol: 'pandora.v1', authRequired: false, maxSize: 4096, heartbeat: 0 },
      { type: 'welcome', protocol: 'pandora.v2', authRequired: false, maxSize: 4096, heartbeat: 0 },
      { type: 'message', sub: 's1', message: leased },
      { type: 'message', sub: 's1', message: { ...leased, leasedUntil: 'soon' } },
      { type: 'message', sub: 's1', message: { ...leased, fields: { k: 'not a list' } } },
      { type: 'messages', sub: 's1', messages: [] },
      { type: 'ok', ref: '1', errors: [{ index: 0, code: 'x', message: 'y' }] },
      { type: 'ok', ref: '' },
      { type: 'error', code: 'brand_new_code', message: 'm', sub: 's' },
      { type: 'pong' },
      { type: 'lost', sub: 's1', leases: [{ mid, lid: mid }], reason: 'purged' },
      { type: 'lost', sub: 's1', leases: [], reason: 'purged' },
      { type: 'sent', ref: '2', results: [{ mid, duplicate: true }, { error: { code: 'x', message: 'y' } }] },
      { type: 'sent', ref: '2', results: [{ mid }] },
      { type: 'surprise' },
      {
        type: 'watching',
        ref: '3',
        mailboxes: [{ receiver: 'b@x', pending: 1, leased: 0, delayed: 0, dead: 0, confirmed: 0 }],
      },
      { type: 'watching', mailboxes: [{ receiver: 'b@x' }] },
      {
        type: 'changes',
        mailboxes: [],
        events: [{ receiver: 'b@x', kind: 'sent', count: 2, mids: [mid] }],
      },
      { type: 'changes', mailboxes: [], events: [{ receiver: 'b@x', kind: 'exploded', count: 1, mids: [] }] },
      {
        type: 'changes',
        mailboxes: [],
        events: [{ receiver: 'b@x', kind: 'sent', count: 65, mids: Array(65).fill(mid) }],
      },
    ],
  ],
  [
    'client frames',
    mini.clientFrameMini,
    clientFrameSchema,
    [
      { type: 'subscribe', sub: 's', receiver: 'b@x', leaseTime: 1000, prefetch: 256 },
      { type: 'subscribe', sub: 's', receiver: 'b@x', batch: true, lost: true },
      { type: 'subscribe', sub: 's', receiver: 'b@x', lost: 'yes' },
      { type: 'subscribe', sub: 's', receiver: 'b\u0000x' },
      { type: 'subscribe', sub: 's', receiver: 'b@x', leaseTime: 999 },
      { type: 'subscribe', sub: 's', receiver: 'b@x', prefetch: 257 },
      { type: 'ack', mid, lid: mid },
      { type: 'ack', mid: 'xyz', lid: mid },
      { type: 'acks', items: [] },
      { type: 'reject', mid, lid: mid, delay: -1 },
      { type: 'auth', token: '' },
      {
        type: 'send',
        messages: [{ receiver: 'b@x', sender: 'a@x', fields: { k: 'v', l: ['1', '2'] }, delay: 5 }],
      },
      { type: 'send', messages: [{ receiver: 'b@x', sender: 'a@x', fields: { '': 'v' } }] },
      { type: 'send', messages: [{ receiver: 'b@x', sender: 'a@x', fields: { k: 1 } }] },
      { type: 'send', messages: [{ receiver: 'b@x', sender: 'a@x', fields: {}, clientTime: 'now' }] },
      { type: 'send', messages: [] },
      { type: 'watch' },
      { type: 'watch', receiver: 'b@x', ref: '1' },
      { type: 'watch', receiver: 'b\u0000x' },
      { type: 'unwatch', ref: '2' },
    ],
  ],
  ['headers', mini.headersResponseMini, headersResponseSchema, [{ headers: [header] }, { headers: [{}] }]],
  [
    'stored message',
    mini.storedMessageMini,
    storedMessageSchema,
    [
      { ...header, fields: null },
      { ...header, fields: { k: ['v'] } },
      { ...header, fields: [] },
    ],
  ],
  [
    'renew',
    mini.renewResponseMini,
    renewResponseSchema,
    [
      { leasedUntil: at },
      { leasedUntil: 'x' },
      { leasedUntil: '2028-02-29T23:59:59.123456+14:00' },
      { leasedUntil: '2027-02-29T00:00:00Z' },
      { leasedUntil: '2030-01-01T00:00Z' },
      { leasedUntil: '2030-01-01 00:00:00Z' },
      { leasedUntil: '2030-01-01T00:00:00' },
    ],
  ],
  [
    'problem',
    mini.problemReplyMini,
    problemReplySchema,
    [{ type: 't', title: 'x', status: 403, code: 'origin_not_allowed' }, { status: 403 }],
  ],
]

describe('mini schemas', () => {
  it('mini schemas - each has the output type of its classic twin', () => {
    expect(sameTypes.every(Boolean)).toBe(true)
  })

  it('mini schemas - accept and refuse what the classic schemas do, with the same data', () => {
    for (const [name, m, classic, samples] of pairs) {
      for (const sample of samples) {
        const a = m['~standard'].validate(sample)
        const b = classic.safeParse(sample)
        if (a instanceof Promise) throw new Error('async')
        expect(a.issues === undefined, `${name}: ${JSON.stringify(sample)}`).toBe(b.success)
        if (b.success && 'value' in a) expect(a.value).toEqual(b.data)
      }
    }
  })

  it('mini schemas - a field named __proto__ is kept as a name', () => {
    const parsed = mini.leasedMessageMini['~standard'].validate(leased)
    if (parsed instanceof Promise || parsed.issues) throw new Error('refused')
    expect(Object.getPrototypeOf(parsed.value.fields)).toBeNull()
    expect(Object.keys(parsed.value.fields)).toEqual(['__proto__', 'k'])
  })

  it('mini schemas - times: the pattern accepts and refuses exactly the days and clocks of zod datetimes', () => {
    const renew = (leasedUntil: string) => [
      mini.renewResponseMini['~standard'].validate({ leasedUntil }),
      renewResponseSchema.safeParse({ leasedUntil }).success,
    ]
    const pad = (n: number, w = 2) => String(n).padStart(w, '0')
    const differ: string[] = []
    for (const year of [1900, 2000, 2023, 2024, 2100, 2400, 9999]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const t = `${pad(year, 4)}-${pad(month)}-${pad(day)}T12:00:00Z`
          const [a, b] = renew(t)
          if (((a as { issues?: unknown }).issues === undefined) !== b) differ.push(t)
        }
      }
    }
    for (const clock of [
      '23:59:59',
      '24:00:00',
      '12:60:00',
      '12:00:60',
      '12:00:00.5',
      '12:00:00.',
      '1:00:00',
    ])
      for (const zone of ['Z', 'z', '+23:59', '-24:00', '+0100', '+01', ''])
        for (const t of [`2030-06-15T${clock}${zone}`]) {
          const [a, b] = renew(t)
          if (((a as { issues?: unknown }).issues === undefined) !== b) differ.push(t)
        }
    expect(differ).toEqual([])
  })
})
