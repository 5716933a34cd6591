/**
 * Conformance cases of failure reasons and mailbox retry policies, run by
 * {@link runStoreConformance} against every store (this file is not collected by itself).
 */
import { describe, expect, it } from 'vitest'
import { uniqueMailbox as mailbox } from '../../../../test-support/mailbox.js'
import { PandoraError } from '../errors.js'
import { Status } from '../status.js'
import type { Store, StoreOptions } from '../store.js'

const LEASE = 30_000
let n = 0
const msg = (receiver: string) => ({ sender: 'sender@test', receiver, fields: { retry: String(++n) } })

/** Opens a fresh store on the suite's manual clock. */
export type OpenStore = (options?: StoreOptions) => Promise<{ store: Store; advance: (ms: number) => void }>

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, 'expected a PandoraError').toBeInstanceOf(PandoraError)
  return (error as PandoraError).code
}

/** Sends one message to a fresh mailbox and leases it. */
async function leasedOne(store: Store, box = mailbox()) {
  await store.send(msg(box))
  const [m] = await store.fetch(box, { leaseTime: LEASE })
  return { box, m: m! }
}

/** Runs the failure-reason and retry-policy cases on stores made by `open`. */
export function retryConformance(open: OpenStore): void {
  describe('failure reasons', () => {
    it('reason - a reject keeps its reason and time on the message: get, headers and a fresh message', async () => {
      const { store, advance } = await open()
      const { box, m } = await leasedOne(store)
      expect(m.failureReason).toBeNull()
      expect(m.failedAt).toBeNull()
      advance(1000)
      const at = store.clock.now()
      await store.ack(m.mid, m.lid, Status.rejected, { reason: 'upstream said 503 — ünïcode ok' })
      await store.send(msg(box))
      const got = await store.get(m.mid)
      expect(got).toMatchObject({ failureReason: 'upstream said 503 — ünïcode ok', failedAt: at })
      const [first, second] = await store.headers(box)
      expect(first).toMatchObject({
        mid: m.mid,
        failureReason: 'upstream said 503 — ünïcode ok',
        failedAt: at,
      })
      expect(second).toMatchObject({ failureReason: null, failedAt: null })
      // Delivered again, it carries the reason of the failure before.
      const [again] = await store.fetch(box, { leaseTime: LEASE })
      expect(again).toMatchObject({
        mid: m.mid,
        failureReason: 'upstream said 503 — ünïcode ok',
        failedAt: at,
      })
      // A reject without a reason is a failure without one: the old reason does not linger.
      advance(500)
      await store.ack(again!.mid, again!.lid, Status.rejected)
      expect(await store.get(m.mid)).toMatchObject({ failureReason: null, failedAt: at + 500 })
    })

    it('reason - ackMany items carry their own reasons; a confirm keeps the last failure', async () => {
      const { store } = await open()
      const box = mailbox()
      await store.sendBatch([msg(box), msg(box)])
      const [a, b] = await store.fetch(box, { leaseTime: LEASE, max: 2 })
      expect(
        await store.ackMany([
          { mid: a!.mid, lid: a!.lid, status: Status.rejected, reason: 'a failed' },
          { mid: b!.mid, lid: b!.lid, status: Status.rejected, reason: 'b failed' },
        ]),
      ).toEqual([null, null])
      expect((await store.get(a!.mid))?.failureReason).toBe('a failed')
      expect((await store.get(b!.mid))?.failureReason).toBe('b failed')
      const [again] = await store.fetch(box, { leaseTime: LEASE })
      await store.ack(again!.mid, again!.lid, Status.confirmed)
      expect(await store.get(again!.mid)).toMatchObject({
        status: Status.confirmed,
        failureReason: 'a failed',
        dueAt: null,
      })
      expect((await store.get(b!.mid))?.dueAt).toBe(store.clock.now())
    })

    it('reason - a dead letter shows the reason it died of', async () => {
      const { store } = await open({ maxDeliveries: 1 })
      const { box, m } = await leasedOne(store)
      await store.ack(m.mid, m.lid, Status.rejected, { reason: 'poison: bad sku' })
      const [dead] = await store.dead(box)
      expect(dead).toMatchObject({ mid: m.mid, status: Status.dead, failureReason: 'poison: bad sku' })
    })

    it('reason - an expired lease reads as `lease expired` at the lease end, before and after it is leased again', async () => {
      const { store, advance } = await open()
      const { box, m } = await leasedOne(store)
      advance(LEASE + 10)
      const expected = { failureReason: 'lease expired', failedAt: m.leasedUntil }
      expect(await store.get(m.mid)).toMatchObject({ status: Status.timeout, ...expected })
      expect((await store.headers(box))[0]).toMatchObject(expected)
      const [again] = await store.fetch(box, { leaseTime: LEASE })
      expect(again).toMatchObject({ mid: m.mid, status: Status.timeout, ...expected })
      expect(await store.get(m.mid)).toMatchObject(expected)
    })

    it('reason - a message that died of an expired lease shows `lease expired` in the dead letters', async () => {
      const { store, advance } = await open({ maxDeliveries: 1 })
      const { box, m } = await leasedOne(store)
      advance(LEASE)
      expect(await store.fetch(box, { leaseTime: LEASE })).toEqual([])
      const [dead] = await store.dead(box)
      expect(dead).toMatchObject({ mid: m.mid, failureReason: 'lease expired', failedAt: m.leasedUntil })
    })

    it('reason - at most 1024 bytes of UTF-8; longer, malformed or on a confirm is invalid_reason and changes nothing', async () => {
      const { store } = await open()
      const { box, m } = await leasedOne(store)
      const tooLong = `${'é'.repeat(512)}x` // 1025 bytes, 513 characters
      expect(await codeOf(store.ack(m.mid, m.lid, Status.rejected, { reason: tooLong }))).toBe(
        'invalid_reason',
      )
      expect(await codeOf(store.ack(m.mid, m.lid, Status.rejected, { reason: 'a\u0000b' }))).toBe(
        'invalid_reason',
      )
      expect(await codeOf(store.ack(m.mid, m.lid, Status.rejected, { reason: '\ud800' }))).toBe(
        'invalid_reason',
      )
      expect(await codeOf(store.ack(m.mid, m.lid, Status.confirmed, { reason: 'done' }))).toBe(
        'invalid_reason',
      )
      const [bad] = await store.ackMany([
        { mid: m.mid, lid: m.lid, status: Status.rejected, reason: tooLong },
      ])
      expect(bad).toMatchObject({ code: 'invalid_reason' })
      // Nothing changed: the lease still holds.
      expect(await store.get(m.mid)).toMatchObject({ leasedUntil: m.leasedUntil, failureReason: null })
      const fits = 'é'.repeat(512) // exactly 1024 bytes
      await store.ack(m.mid, m.lid, Status.rejected, { reason: fits })
      expect((await store.headers(box))[0]?.failureReason).toBe(fits)
    })
  })

  describe('retry policy', () => {
    it('policy - none by default; set fills in defaults, get reads it back, {} removes it', async () => {
      const { store } = await open()
      const box = mailbox()
      expect(await store.retryPolicy(box)).toEqual({})
      const stored = await store.setRetryPolicy(box, {
        maxDeliveries: 3,
        backoff: { type: 'exponential', base: 1000, max: 60_000 },
      })
      const expected = {
        maxDeliveries: 3,
        backoff: { type: 'exponential', base: 1000, factor: 2, max: 60_000, jitter: 0 },
      }
      expect(stored).toEqual(expected)
      expect(await store.retryPolicy(box)).toEqual(expected)
      expect(await store.retryPolicy(mailbox())).toEqual({})
      await store.setRetryPolicy(box, { backoff: { type: 'fixed', delay: 500 } })
      expect(await store.retryPolicy(box)).toEqual({ backoff: { type: 'fixed', delay: 500, jitter: 0 } })
      expect(await store.setRetryPolicy(box, {})).toEqual({})
      expect(await store.retryPolicy(box)).toEqual({})
    })

    it('policy - bad policies are refused with invalid_policy and the old one stays', async () => {
      const { store } = await open()
      const box = mailbox()
      await store.setRetryPolicy(box, { maxDeliveries: 4 })
      const bad: unknown[] = [
        null,
        [],
        { maxDeliveries: -1 },
        { maxDeliveries: 1.5 },
        { maxDeliveries: 2_000_000 },
        { maxDelivery: 3 },
        { backoff: { type: 'linear', delay: 1 } },
        { backoff: { type: 'fixed' } },
        { backoff: { type: 'fixed', delay: -5 } },
        { backoff: { type: 'fixed', delay: 10, jitter: 2 } },
        { backoff: { type: 'exponential', base: 0, max: 10 } },
        { backoff: { type: 'exponential', base: 100, max: 10 } },
        { backoff: { type: 'exponential', base: 100, max: 1000, factor: 1 } },
        { backoff: { type: 'exponential', base: 100, max: 1000, factor: 11 } },
        { backoff: { type: 'exponential', base: 100, max: 1000, cap: 5 } },
      ]
      for (const policy of bad) {
        expect(await codeOf(store.setRetryPolicy(box, policy as never)), JSON.stringify(policy)).toBe(
          'invalid_policy',
        )
      }
      expect(await codeOf(store.setRetryPolicy('', {}))).toBe('invalid_mailbox')
      expect(await store.retryPolicy(box)).toEqual({ maxDeliveries: 4 })
    })

    it('policy - maxDeliveries of a mailbox overrides the store default, for that mailbox only; 0: never dead', async () => {
      const { store } = await open({ maxDeliveries: 2 })
      const strict = mailbox()
      const lax = mailbox()
      const forever = mailbox()
      await store.setRetryPolicy(strict, { maxDeliveries: 1 })
      await store.setRetryPolicy(forever, { maxDeliveries: 0 })
      for (const box of [strict, lax]) {
        const { m } = await leasedOne(store, box)
        await store.ack(m.mid, m.lid, Status.rejected, { reason: `${box} failed` })
      }
      expect(await store.fetch(strict, { leaseTime: LEASE })).toEqual([])
      expect(await store.dead(strict)).toMatchObject([
        { failureReason: `${strict} failed`, deliveryCount: 1 },
      ])
      expect(await store.fetch(lax, { leaseTime: LEASE })).toMatchObject([{ deliveryCount: 2 }])
      await store.send(msg(forever))
      for (let i = 0; i < 4; i++) {
        const [m] = await store.fetch(forever, { leaseTime: LEASE })
        expect(m?.deliveryCount).toBe(i + 1)
        await store.ack(m!.mid, m!.lid, Status.rejected)
      }
    })

    it('backoff - fixed: a reject without a delay waits it out, so does an expired lease', async () => {
      const { store, advance } = await open()
      const box = mailbox()
      await store.setRetryPolicy(box, { backoff: { type: 'fixed', delay: 5000 } })
      const { m } = await leasedOne(store, box)
      expect(m.dueAt).toBe(m.leasedUntil + 5000)
      await store.ack(m.mid, m.lid, Status.rejected)
      expect(await store.nextDueIn(box)).toBe(5000)
      expect(await store.stats(box)).toMatchObject({ delayed: 1, pending: 0 })
      // Headers say when: dueAt is the end of the backoff.
      expect((await store.get(m.mid))?.dueAt).toBe(store.clock.now() + 5000)
      expect((await store.headers(box))[0]?.dueAt).toBe(store.clock.now() + 5000)
      advance(4999)
      expect(await store.fetch(box, { leaseTime: LEASE })).toEqual([])
      advance(1)
      const [again] = await store.fetch(box, { leaseTime: LEASE })
      expect(again).toMatchObject({ mid: m.mid, status: Status.rejected })
      // Its lease runs out: due again 5 s after the lease's end, counted as delayed meanwhile.
      advance(LEASE)
      expect(await store.stats(box)).toMatchObject({ delayed: 1, pending: 0, leased: 0 })
      expect(await store.get(m.mid)).toMatchObject({ status: Status.timeout, failureReason: 'lease expired' })
      expect(await store.nextDueIn(box)).toBe(5000)
      expect(await store.fetch(box, { leaseTime: LEASE })).toEqual([])
      advance(5000)
      expect(await store.fetch(box, { leaseTime: LEASE })).toMatchObject([
        { mid: m.mid, status: Status.timeout },
      ])
    })

    it('backoff - exponential: base · factor^(n−1), capped, jitter taken off the wait (random pinned)', async () => {
      const { store, advance } = await open({ random: () => 0.5 })
      const box = mailbox()
      await store.setRetryPolicy(box, {
        backoff: { type: 'exponential', base: 1000, factor: 3, max: 5000, jitter: 0.5 },
      })
      const { m } = await leasedOne(store, box)
      // Deliveries 1, 2, 3 fail: 1000, 3000, then 9000 capped to 5000; each times 1 − 0.5·0.5.
      const waits: number[] = []
      let current = m
      for (let i = 0; i < 3; i++) {
        await store.ack(current.mid, current.lid, Status.rejected)
        const wait = (await store.nextDueIn(box))!
        waits.push(wait)
        advance(wait)
        ;[current] = (await store.fetch(box, { leaseTime: LEASE })) as [typeof m]
      }
      expect(waits).toEqual([750, 2250, 3750])
      // The 4th delivery's lease expires: 5000 · 0.75 after its end.
      advance(LEASE)
      expect(await store.nextDueIn(box)).toBe(3750)
    })

    it('backoff - jitter stays within [wait·(1−jitter), wait] for any random number', async () => {
      let r = 0
      const { store } = await open({ random: () => r })
      for (const value of [0, 0.999_999]) {
        r = value
        const box = mailbox()
        await store.setRetryPolicy(box, { backoff: { type: 'fixed', delay: 10_000, jitter: 0.2 } })
        const { m } = await leasedOne(store, box)
        await store.ack(m.mid, m.lid, Status.rejected)
        const wait = (await store.nextDueIn(box))!
        expect(wait).toBeGreaterThanOrEqual(8000)
        expect(wait).toBeLessThanOrEqual(10_000)
        expect(wait).toBe(r === 0 ? 10_000 : 8000)
      }
    })

    it('backoff - an explicit reject delay wins over the policy, 0 included', async () => {
      const { store } = await open()
      const box = mailbox()
      await store.setRetryPolicy(box, { backoff: { type: 'fixed', delay: 60_000 } })
      const { m } = await leasedOne(store, box)
      await store.ack(m.mid, m.lid, Status.rejected, { delay: 0 })
      expect(await store.nextDueIn(box)).toBe(0)
      const [again] = await store.fetch(box, { leaseTime: LEASE })
      await store.ack(again!.mid, again!.lid, Status.rejected, { delay: 1234, reason: 'rate limited' })
      expect(await store.nextDueIn(box)).toBe(1234)
    })

    it('backoff - a renewal keeps the wait after its lease; the last allowed lease expires straight to dead', async () => {
      const { store, advance } = await open()
      const box = mailbox()
      await store.setRetryPolicy(box, { maxDeliveries: 2, backoff: { type: 'fixed', delay: 5000 } })
      const { m } = await leasedOne(store, box)
      advance(10_000)
      const until = await store.renew(m.mid, m.lid, LEASE)
      advance(until - store.clock.now())
      expect(await store.nextDueIn(box)).toBe(5000)
      advance(5000)
      const [second] = await store.fetch(box, { leaseTime: LEASE })
      expect(second?.deliveryCount).toBe(2)
      // The second lease is the last: once it runs out the message is dead at the next fetch, at once.
      advance(LEASE)
      expect(await store.nextDueIn(box)).toBe(0)
      expect(await store.fetch(box, { leaseTime: LEASE })).toEqual([])
      expect(await store.dead(box)).toMatchObject([{ mid: m.mid, failureReason: 'lease expired' }])
    })

    it('backoff - a policy changed later governs the next reject; purge keeps the policy', async () => {
      const { store } = await open()
      const box = mailbox()
      const { m } = await leasedOne(store, box)
      await store.setRetryPolicy(box, { backoff: { type: 'fixed', delay: 700 } })
      await store.ack(m.mid, m.lid, Status.rejected)
      expect(await store.nextDueIn(box)).toBe(700)
      await store.purge(box)
      expect(await store.retryPolicy(box)).toEqual({ backoff: { type: 'fixed', delay: 700, jitter: 0 } })
    })

    it('options - a random source that is not a function is refused with invalid_input', async () => {
      expect(await codeOf(open({ random: 0.5 as unknown as () => number }))).toBe('invalid_input')
    })
  })
}
