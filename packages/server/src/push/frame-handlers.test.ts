import { type LeasedMessage, MemoryStore, PandoraError, type ServerFrame } from '@pandora/core'
import { describe, expect, it, vi } from 'vitest'
import { TokenAuth } from '../auth.js'
import { Metrics } from '../metrics.js'
import { AuthGate } from './auth-gate.js'
import { type FrameContext, handleFrame } from './frame-handlers.js'
import { LeaseBook } from './lease-book.js'
import type { PushSubscription } from './push-subscription.js'
import { holdingSubscription, quietOwner } from './test-subscription.js'

const mid = (n: number) => n.toString(16).padStart(40, '0')
const lid = (n: number) => `f${n}`.padStart(40, '0')

/**
 * A context on fakes: a store whose ack fails for the mids in `refuse` (a PandoraError fails that
 * item alone; any other error fails the store's whole batch, as a failed transaction would), a hub
 * that records calls.
 */
function context(options: { principal?: boolean; refuse?: Map<string, Error>; sender?: boolean } = {}) {
  const sent: ServerFrame[] = []
  const calls: string[] = []
  const refused: string[] = []
  const errors: unknown[] = []
  const scopes = options.sender ? { receive: ['*@b'], send: ['*@b'] } : { receive: ['*@b'] }
  const auth = new TokenAuth([{ name: 'reader', token: 'secret-token-1', scopes }])
  const gate = new AuthGate(
    options.principal === false ? null : auth.authenticate('secret-token-1'),
    auth,
    60_000,
    () => {},
  )
  const ctx: FrameContext = {
    store: {
      ack: async (m: string) => {
        const error = options.refuse?.get(m)
        if (error) throw error
      },
      ackMany: async (items) => {
        const outcomes = items.map((i) => options.refuse?.get(i.mid) ?? null)
        const fault = outcomes.find((e) => e !== null && !(e instanceof PandoraError))
        if (fault) throw fault
        return outcomes as (PandoraError | null)[]
      },
      renew: async () => 42_000,
      retryPolicy: async () => ({}),
      sendMany: async (inputs) =>
        inputs.map((input) =>
          input.receiver === 'full@b'
            ? new PandoraError('message_too_big')
            : { mid: `mid-of-${input.receiver}`, duplicate: input.receiver === 'dup@b' },
        ),
      sendBatch: async (inputs) => {
        calls.push(`sendBatch ${inputs.length}`)
        return inputs.map((input) => ({ mid: `mid-of-${input.receiver}`, duplicate: false }))
      },
    },
    hub: {
      attach: (t) => calls.push(`attach ${t.receiver}`),
      detach: (t) => calls.push(`detach ${t.receiver}`),
      kick: (r) => calls.push(`kick ${r}`),
      giveBack: async (leases) => {
        calls.push(`giveBack ${[...leases].map((l) => l.mid).join(',')}`)
      },
    },
    metrics: new Metrics(new MemoryStore(), () => 0),
    gate,
    leases: new LeaseBook(),
    owner: quietOwner,
    maxSubscriptions: 2,
    watch: {
      start: async (receiver, announce) => {
        calls.push(`watch ${receiver ?? '*'}`)
        announce([])
      },
      stop: () => calls.push('unwatch'),
    },
    send: (frame) => sent.push(frame),
    refuse: (message) => refused.push(message),
    onError: (error) => errors.push(error),
  }
  gate.stop()
  return { ctx, sent, calls, refused, errors }
}

function hold(ctx: FrameContext, id: string, receiver: string, n: number[]): PushSubscription {
  const messages = n.map((i) => ({ mid: mid(i), lid: lid(i), leasedUntil: 60_000 }) as LeasedMessage)
  return holdingSubscription(ctx.leases, id, receiver, messages)
}

describe('frame handlers', () => {
  it('frame handlers - before auth only auth and ping are answered; anything else is refused', async () => {
    const { ctx, sent, refused } = context({ principal: false })
    await handleFrame(ctx, { type: 'ping', ref: 'p' })
    await handleFrame(ctx, { type: 'subscribe', sub: 's', receiver: 'a@b' })
    expect(sent).toEqual([{ type: 'pong', ref: 'p' }])
    expect(refused).toEqual(['authenticate first'])
    await handleFrame(ctx, { type: 'auth', token: 'secret-token-1', ref: 'a' })
    expect(sent.at(-1)).toEqual({ type: 'authenticated', ref: 'a' })
  })

  it('frame handlers - watch is refused with forbidden for a token without admin rights; the socket stays', async () => {
    const { ctx, sent, calls, refused } = context()
    await handleFrame(ctx, { type: 'watch', ref: 'w1' })
    await handleFrame(ctx, { type: 'watch', receiver: 'a@b', ref: 'w2' })
    expect(sent).toMatchObject([
      { type: 'error', ref: 'w1', code: 'forbidden' },
      { type: 'error', ref: 'w2', code: 'forbidden' },
    ])
    expect(calls).toEqual([])
    expect(refused).toEqual([])
    await handleFrame(ctx, { type: 'ping', ref: 'p' })
    expect(sent.at(-1)).toEqual({ type: 'pong', ref: 'p' })
  })

  it('frame handlers - subscribe answers before the hub attaches; a refusal names the sub', async () => {
    const { ctx, sent, calls } = context()
    await handleFrame(ctx, { type: 'subscribe', sub: 's1', receiver: 'a@b', ref: 'r1' })
    expect(sent).toEqual([{ type: 'subscribed', sub: 's1', ref: 'r1', policy: {} }])
    expect(calls).toEqual(['attach a@b'])
    await handleFrame(ctx, { type: 'subscribe', sub: 's1', receiver: 'a@b', ref: 'r2' })
    await handleFrame(ctx, { type: 'subscribe', sub: 's2', receiver: 'a@elsewhere', ref: 'r3' })
    expect(sent.slice(1)).toMatchObject([
      { type: 'error', ref: 'r2', sub: 's1', code: 'invalid_input' },
      { type: 'error', ref: 'r3', sub: 's2', code: 'forbidden' },
    ])
  })

  it('frame handlers - an ack frees credit and kicks even when the store refuses it', async () => {
    const { ctx, sent, calls } = context({
      refuse: new Map([[mid(2), new PandoraError('unable_to_change_status')]]),
    })
    hold(ctx, 's1', 'a@b', [1, 2])
    await handleFrame(ctx, { type: 'ack', mid: mid(1), lid: lid(1), ref: 'a1' })
    await handleFrame(ctx, { type: 'reject', mid: mid(2).toUpperCase(), lid: lid(2), ref: 'a2' })
    expect(calls).toEqual(['kick a@b', 'kick a@b'])
    expect(sent).toMatchObject([
      { type: 'ok', ref: 'a1' },
      { type: 'error', ref: 'a2', code: 'unable_to_change_status' },
    ])
    expect(ctx.leases.release(mid(1), lid(1))).toBeNull()
  })

  it('frame handlers - acks answer per item and kick each receiver once', async () => {
    const stale = new PandoraError('unable_to_change_status')
    const { ctx, sent, calls, errors } = context({ refuse: new Map([[mid(3), stale]]) })
    hold(ctx, 's1', 'a@b', [1, 2])
    hold(ctx, 's2', 'c@b', [3])
    await handleFrame(ctx, {
      type: 'acks',
      ref: 'b',
      items: [1, 2, 3].map((i) => ({ mid: mid(i), lid: lid(i) })),
    })
    expect(calls).toEqual(['kick a@b', 'kick c@b'])
    expect(sent).toEqual([
      {
        type: 'ok',
        ref: 'b',
        errors: [{ index: 2, code: 'unable_to_change_status', message: stale.message }],
      },
    ])
    expect(errors).toEqual([])
  })

  it('frame handlers - a store fault fails every item of an acks frame and is reported once', async () => {
    const fault = new Error('disk on fire')
    const { ctx, sent, errors } = context({ refuse: new Map([[mid(3), fault]]) })
    hold(ctx, 's1', 'a@b', [1, 2, 3])
    await handleFrame(ctx, {
      type: 'acks',
      ref: 'f',
      items: [1, 2, 3].map((i) => ({ mid: mid(i), lid: lid(i) })),
    })
    expect(sent).toEqual([
      {
        type: 'ok',
        ref: 'f',
        errors: [0, 1, 2].map((index) => ({ index, code: 'internal', message: expect.any(String) })),
      },
    ])
    expect(errors).toEqual([fault])
  })

  it('frame handlers - send answers one sent frame with a result per message, refusals alone', async () => {
    const { ctx, sent } = context({ sender: true })
    const m = (receiver: string) => ({ sender: 'w@b', receiver, fields: { k: 'v' } })
    await handleFrame(ctx, {
      type: 'send',
      ref: 's',
      messages: [m('a@b'), m('full@b'), m('dup@b'), m('x@elsewhere')],
    })
    expect(sent).toEqual([
      {
        type: 'sent',
        ref: 's',
        results: [
          { mid: 'mid-of-a@b', duplicate: false },
          { error: { code: 'message_too_big', message: expect.any(String) } },
          { mid: 'mid-of-dup@b', duplicate: true },
          { error: { code: 'forbidden', message: expect.stringContaining('x@elsewhere') } },
        ],
      },
    ])
  })

  it('frame handlers - sendBatch stores all or none: one receiver the token may not send to refuses the frame, nothing stored', async () => {
    const { ctx, sent, calls } = context({ sender: true })
    const m = (receiver: string) => ({ sender: 'w@b', receiver, fields: { k: 'v' } })
    await handleFrame(ctx, { type: 'sendBatch', ref: 'b1', messages: [m('a@b'), m('x@elsewhere')] })
    expect(sent).toMatchObject([{ type: 'error', ref: 'b1', code: 'forbidden' }])
    expect(calls).toEqual([])
    await handleFrame(ctx, { type: 'sendBatch', ref: 'b2', messages: [m('a@b'), m('c@b')] })
    expect(calls).toEqual(['sendBatch 2'])
    expect(sent.at(-1)).toEqual({
      type: 'sent',
      ref: 'b2',
      results: [
        { mid: 'mid-of-a@b', duplicate: false },
        { mid: 'mid-of-c@b', duplicate: false },
      ],
    })
  })

  it('frame handlers - unsubscribe gives the leases back before answering', async () => {
    const { ctx, sent, calls } = context()
    hold(ctx, 's1', 'a@b', [1, 2])
    await handleFrame(ctx, { type: 'unsubscribe', sub: 's1', ref: 'u' })
    expect(calls).toEqual(['detach a@b', `giveBack ${mid(1)},${mid(2)}`])
    expect(sent).toEqual([{ type: 'unsubscribed', sub: 's1', ref: 'u' }])
    expect(ctx.leases.size).toBe(0)
  })

  it('frame handlers - renew moves the held lease end to the one the store gives', async () => {
    const { ctx, sent } = context()
    const sub = hold(ctx, 's1', 'a@b', [1])
    await handleFrame(ctx, { type: 'renew', mid: mid(1), lid: lid(1), leaseTime: 10_000, ref: 'n' })
    expect(sub.nextExpiry()).toBe(42_000)
    expect(sent).toEqual([{ type: 'ok', ref: 'n', leasedUntil: new Date(42_000).toISOString() }])
  })

  it('frame handlers - a token without receive scope may not ack', async () => {
    const { ctx, sent } = context()
    const sender = new TokenAuth([{ token: 'sender-token-1', scopes: { send: ['*'] } }])
    ;(ctx as { gate: FrameContext['gate'] }).gate = new AuthGate(
      sender.authenticate('sender-token-1'),
      sender,
      1,
      vi.fn(),
    )
    await handleFrame(ctx, { type: 'ack', mid: mid(1), lid: lid(1), ref: 'x' })
    expect(sent).toMatchObject([{ type: 'error', ref: 'x', code: 'forbidden' }])
  })
})
