/**
 * The store conformance suite: every rule of the mailbox model, run against each store. Each
 * store's own test file calls {@link runStoreConformance}, then adds its own cases. Vitest does not
 * collect this file by itself (`*.case.test.ts` is excluded in vitest.config.ts).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { uniqueMailbox as mailbox } from '../../../../test-support/mailbox.js'
import { decodeFields, encodeFields } from '../body.js'
import { ManualClock } from '../clock.js'
import { PandoraError } from '../errors.js'
import { sendFanOut } from '../fan-out.js'
import { contentKey } from '../key.js'
import { FANOUT_MAX_RECIPIENTS, PRIORITY_MAX, PRIORITY_MIN } from '../limits.js'
import { blobKeyOf, prepareMessage, type SendInput } from '../message.js'
import { Status } from '../status.js'
import type { Store, StoreOptions } from '../store.js'
import { retryConformance } from './retry.case.test.js'

/** A store under test, opened by its store's `openXStore` with the options the suite gave. */
export interface StoreHarness {
  store: Store
  /** Closes the store and opens a new one on the same data (omit for ephemeral stores). */
  reopen?: () => Promise<Store>
  /** Extra stores sharing the same data, for real parallelism (e.g. PostgreSQL connections). */
  peers?: (n: number) => Promise<Store[]>
  /**
   * Changes the stored body of `mid` so that it no longer reads back (as a damaged disk or a bad
   * write would): the store's own test file does it behind the store's back.
   */
  corrupt?: (mid: string) => Promise<void>
  /**
   * Makes every later write of a message to `receiver` fail inside the store's transaction, as a
   * full disk or a broken constraint would (e.g. with a trigger): the store's own test file does it.
   */
  failWritesTo?: (receiver: string) => Promise<void>
  /** Called after each test. */
  dispose?: () => Promise<void>
}

/** Names of the cases, for skipping one with a reason. */
export type ConformanceCase = 'reopen' | 'parallel-peers' | 'corrupt-body' | 'fan-out-failure'

/** How a store's test file runs the suite. */
export interface ConformanceOptions {
  /**
   * Makes a fresh, empty store with `options` passed to its `openXStore` as they are: the suite
   * always gives a `clock` (a {@link ManualClock} it moves), so every store is given time one way.
   */
  newStore(options: StoreOptions): Promise<StoreHarness>
  /** Cases this store cannot run, each with the reason printed in the test name. */
  skip?: Partial<Record<ConformanceCase, { reason: string }>>
}

const LEASE = 30_000
/** Makes each test message's body (so its mid) distinct. */
let n = 0

/** A mailbox name unique to this run, so tests never see each other's data (one generator for all workspaces). */
export { uniqueMailbox as mailbox } from '../../../../test-support/mailbox.js'

const msg = (
  receiver: string,
  fields: SendInput['fields'] = { n: String(++n) },
  extra: Partial<SendInput> = {},
): SendInput => ({
  sender: 'sender@test',
  receiver,
  fields,
  ...extra,
})

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, `expected a PandoraError ${code}`).toBeInstanceOf(PandoraError)
  expect((error as PandoraError).code).toBe(code)
}

/** Runs every rule of the model against the store made by `options.newStore`. */
export function runStoreConformance(options: ConformanceOptions): void {
  let harness: StoreHarness | undefined
  const open = async (storeOptions: StoreOptions = {}) => {
    const clock = new ManualClock()
    harness = await options.newStore({ ...storeOptions, clock })
    await harness.store.ready()
    return { ...harness, advance: (ms: number) => clock.advance(ms) }
  }
  afterEach(async () => {
    const h = harness
    harness = undefined
    if (!h) return
    await h.store.close().catch(() => {})
    await h.dispose?.()
  })

  describe('options', () => {
    it('options - invalid limits and clocks are refused with invalid_input when the store is opened', async () => {
      const bad: StoreOptions[] = [
        { maxSize: 0 },
        { maxSize: -1 },
        { maxSize: 1.5 },
        { maxSize: Number.NaN },
        { maxSize: '4096' as unknown as number },
        { maxSize: 2 ** 40 },
        { maxDeliveries: -1 },
        { maxDeliveries: 2.5 },
        { maxDeliveries: Number.POSITIVE_INFINITY },
        { clock: {} as ManualClock },
        { onError: 'log' as unknown as () => void },
      ]
      for (const o of bad) {
        const opened = options.newStore(o).then(async (h) => {
          await h.store.close()
          await h.dispose?.()
        })
        await expectCode(opened, 'invalid_input')
      }
    })

    it('options - the store reports the limits it enforces and the clock it decides on', async () => {
      const h = await open({ maxSize: 1000, maxDeliveries: 3 })
      expect(h.store.limits).toEqual({ maxSize: 1000, maxDeliveries: 3 })
      const box = mailbox()
      await h.store.send(msg(box))
      const [m] = await h.store.fetch(box, { leaseTime: LEASE })
      expect(m!.leasedUntil - h.store.clock.now()).toBe(LEASE)
      h.advance(1000)
      expect(m!.leasedUntil - h.store.clock.now()).toBe(LEASE - 1000)
      const defaults = await open()
      expect(defaults.store.limits).toEqual({ maxSize: 4096, maxDeliveries: 10 })
    })
  })

  retryConformance(open)

  describe('errors no caller sees', () => {
    it('onError - a throwing availability listener is reported to onError; the other listeners still hear', async () => {
      const errors: unknown[] = []
      const { store } = await open({ onError: (e) => errors.push(e) })
      const box = mailbox()
      const heard: string[] = []
      const signalled = new Promise<void>((resolve) => {
        store.onAvailable(() => {
          throw new Error('listener failed')
        })
        store.onAvailable((r) => {
          if (r !== box) return
          heard.push(r)
          resolve()
        })
      })
      await store.send(msg(box))
      await signalled
      expect(heard).toEqual([box])
      expect(errors).toContainEqual(expect.objectContaining({ message: 'listener failed' }))
    })
  })

  describe('send', () => {
    it('send - returns the SHA-1 of the canonical body as mid', async () => {
      const { store } = await open()
      const box = mailbox()
      const clientTime = '2024-01-01T00:00:00Z'
      const { mid, duplicate } = await store.send(msg(box, { b: '2', a: ['x y', '1'] }, { clientTime }))
      expect(duplicate).toBe(false)
      const expected = await contentKey(
        encodeFields({
          a: ['x y', '1'],
          b: ['2'],
          clientTime: [clientTime],
          receiver: [box],
          sender: ['sender@test'],
        }),
      )
      expect(mid).toBe(expected)
      const stored = await store.get(mid)
      expect(stored?.fields).toEqual({
        a: ['x y', '1'],
        b: ['2'],
        clientTime: [clientTime],
        receiver: [box],
        sender: ['sender@test'],
      })
      expect(stored?.status).toBe(Status.notDelivered)
    })

    it('send - the same body twice gives the same mid and one message', async () => {
      const { store } = await open()
      const box = mailbox()
      const input = msg(box, { k: 'v' }, { clientTime: '2024-05-05T10:00:00Z' })
      const first = await store.send(input)
      const second = await store.send(input)
      expect(second).toEqual({ mid: first.mid, duplicate: true })
      expect((await store.stats(box)).pending).toBe(1)
      const fetched = await store.fetch(box, { leaseTime: LEASE, max: 10 })
      expect(fetched).toHaveLength(1)
    })

    it('send - invalid mailboxes, an empty body and oversized bodies are refused with nothing stored', async () => {
      const { store } = await open({ maxSize: 200 })
      const box = mailbox()
      await expectCode(store.send(msg('')), 'invalid_mailbox')
      await expectCode(store.send(msg('a\nb@x')), 'invalid_mailbox')
      await expectCode(store.send(msg('x'.repeat(256))), 'invalid_mailbox')
      await expectCode(store.send({ sender: 'bad\u0000', receiver: box, fields: {} }), 'invalid_mailbox')
      await expectCode(store.send({ sender: 's@test', receiver: box } as unknown as SendInput), 'nil_body')
      const tooBig = store.send(msg(box, { big: 'x'.repeat(200) }))
      await expectCode(tooBig, 'message_too_big')
      await tooBig.catch((e: PandoraError) => expect(e.message).toBe('message is too big. max size is 200'))
      await expectCode(store.send(msg(box, {}, { delay: -1 })), 'invalid_duration')
      expect(await store.mailboxes()).toEqual([])
      expect((await store.stats(box)).pending).toBe(0)
    })

    it('send - the default size limit is 4096 encoded bytes', async () => {
      const { store } = await open()
      const box = mailbox()
      await expectCode(store.send(msg(box, { big: 'x'.repeat(4096) })), 'message_too_big')
      await expect(store.send(msg(box, { fits: 'x'.repeat(3900) }))).resolves.toMatchObject({
        duplicate: false,
      })
    })

    it('send - a batch is stored whole, or not at all when one message is invalid', async () => {
      const { store } = await open()
      const box = mailbox()
      const results = await store.sendBatch([msg(box), msg(box), msg(box)])
      expect(results.map((r) => r.duplicate)).toEqual([false, false, false])
      expect(new Set(results.map((r) => r.mid)).size).toBe(3)
      await expectCode(store.sendBatch([msg(box), msg('')]), 'invalid_mailbox')
      expect((await store.stats(box)).pending).toBe(3)
    })
  })

  describe('fetch and lease', () => {
    it('order - oldest due first, then arrival order', async () => {
      const h = await open()
      const box = mailbox()
      const a = await h.store.send(msg(box))
      h.advance(10)
      const late = await h.store.send(msg(box, undefined, { delay: 5000 }))
      const b = await h.store.send(msg(box))
      const c = await h.store.send(msg(box))
      const first = await h.store.fetch(box, { leaseTime: LEASE, max: 10 })
      expect(first.map((m) => m.mid)).toEqual([a.mid, b.mid, c.mid])
      h.advance(5000)
      const second = await h.store.fetch(box, { leaseTime: LEASE, max: 10 })
      expect(second.map((m) => m.mid)).toEqual([late.mid])
    })

    it('delay - a delayed message is not delivered before receivedAt + delay', async () => {
      const h = await open()
      const box = mailbox()
      const { mid } = await h.store.send(msg(box, undefined, { delay: 60_000 }))
      expect(await h.store.fetch(box, { leaseTime: LEASE })).toEqual([])
      const due = await h.store.nextDueIn(box)
      expect(due).toBeGreaterThan(59_000)
      expect(due).toBeLessThanOrEqual(60_000)
      expect((await h.store.stats(box)).delayed).toBe(1)
      h.advance(59_000)
      expect(await h.store.fetch(box, { leaseTime: LEASE })).toEqual([])
      h.advance(1_100)
      const [m] = await h.store.fetch(box, { leaseTime: LEASE })
      expect(m?.mid).toBe(mid)
      expect(m!.sendWhen - m!.receivedAt).toBe(60_000)
    })

    it('lease - a leased message goes to nobody else while the lease holds', async () => {
      const h = await open()
      const box = mailbox()
      const { mid } = await h.store.send(msg(box, { hello: 'world' }))
      const [m] = await h.store.fetch(box, { leaseTime: LEASE })
      expect(m).toMatchObject({
        mid,
        receiver: box,
        sender: 'sender@test',
        deliveryCount: 1,
        status: Status.notDelivered,
      })
      expect(m!.lid).toMatch(/^[0-9a-f]{40}$/)
      expect(m!.fields.hello).toEqual(['world'])
      expect(m!.leasedUntil - m!.receivedAt).toBeGreaterThanOrEqual(LEASE - 1000)
      h.advance(LEASE - 1000)
      expect(await h.store.fetch(box, { leaseTime: LEASE, max: 5 })).toEqual([])
      expect(await h.store.stats(box)).toMatchObject({ pending: 0, leased: 1 })
    })

    it('lease - two fetches never get the same lid', async () => {
      const h = await open()
      const box = mailbox()
      await h.store.send(msg(box))
      await h.store.send(msg(box))
      const [a] = await h.store.fetch(box, { leaseTime: LEASE })
      const [b] = await h.store.fetch(box, { leaseTime: LEASE })
      expect(a!.mid).not.toBe(b!.mid)
      expect(a!.lid).not.toBe(b!.lid)
    })

    it('fetch - lease times outside 1 s – 12 h and bad counts are refused', async () => {
      const { store } = await open()
      const box = mailbox()
      await store.send(msg(box))
      await expectCode(store.fetch(box, { leaseTime: 999 }), 'invalid_lease_time')
      await expectCode(store.fetch(box, { leaseTime: 12 * 3_600_000 + 1 }), 'invalid_lease_time')
      await expectCode(store.fetch(box, { leaseTime: LEASE, max: 0 }), 'invalid_input')
      await expectCode(store.fetch('', { leaseTime: LEASE }), 'invalid_mailbox')
      expect((await store.stats(box)).pending).toBe(1)
    })

    it('fetch - an empty or unknown mailbox gives nothing', async () => {
      const { store } = await open()
      expect(await store.fetch(mailbox(), { leaseTime: LEASE, max: 3 })).toEqual([])
    })
  })

  describe('priority', () => {
    const pr = (receiver: string, priority: number, extra: Partial<SendInput> = {}) =>
      msg(receiver, undefined, { priority, ...extra })

    it('priority - among due messages the higher priority goes first, then due time, then arrival', async () => {
      const h = await open()
      const box = mailbox()
      const low = await h.store.send(pr(box, -3))
      const plain = await h.store.send(msg(box))
      const urgent1 = await h.store.send(pr(box, 5))
      h.advance(1000)
      const urgent2 = await h.store.send(pr(box, 5))
      const top = await h.store.send(pr(box, PRIORITY_MAX))
      const bottom = await h.store.send(pr(box, PRIORITY_MIN))
      const got = await h.store.fetch(box, { leaseTime: LEASE, max: 10 })
      expect(got.map((m) => m.mid)).toEqual([
        top.mid,
        urgent1.mid,
        urgent2.mid,
        plain.mid,
        low.mid,
        bottom.mid,
      ])
      expect(got.map((m) => m.priority)).toEqual([PRIORITY_MAX, 5, 5, 0, -3, PRIORITY_MIN])
      // Headers and the admin view show it; a send without one has priority 0.
      expect((await h.store.get(plain.mid))?.priority).toBe(0)
      expect((await h.store.get(top.mid))?.priority).toBe(PRIORITY_MAX)
      const headers = await h.store.headers(box)
      expect(headers.find((m) => m.mid === low.mid)?.priority).toBe(-3)
    })

    it('priority - a high priority not yet due (delayed, leased, rejected with a delay) lets lower due ones pass, then goes first', async () => {
      const h = await open()
      const box = mailbox()
      const later = await h.store.send(pr(box, 9, { delay: 5000 }))
      const held = await h.store.send(pr(box, 8))
      const low = await h.store.send(pr(box, -1))
      const [first] = await h.store.fetch(box, { leaseTime: 2000 })
      expect(first?.mid).toBe(held.mid)
      // held is leased, later is delayed: the low one is the head now.
      const [second] = await h.store.fetch(box, { leaseTime: LEASE })
      expect(second?.mid).toBe(low.mid)
      await h.store.ack(second!.mid, second!.lid, Status.rejected, { delay: 0 })
      // held's lease runs out: it is due again at its priority, ahead of the rejected low one.
      h.advance(2000)
      const [third] = await h.store.fetch(box, { leaseTime: LEASE })
      expect(third).toMatchObject({ mid: held.mid, status: Status.timeout, priority: 8 })
      await h.store.ack(third!.mid, third!.lid, Status.rejected, { delay: 10_000 })
      h.advance(3000)
      // later is due now; held waits for its reject delay; low is still due.
      const rest = await h.store.fetch(box, { leaseTime: LEASE, max: 5 })
      expect(rest.map((m) => m.mid)).toEqual([later.mid, low.mid])
      expect(await h.store.nextDueIn(box)).toBe(7000)
      h.advance(7000)
      const [last] = await h.store.fetch(box, { leaseTime: LEASE, max: 5 })
      expect(last).toMatchObject({ mid: held.mid, status: Status.rejected, priority: 8 })
    })

    it('priority - whole numbers from -10 to 10; anything else is refused with invalid_priority and nothing stored', async () => {
      const { store } = await open()
      const box = mailbox()
      for (const bad of [PRIORITY_MAX + 1, PRIORITY_MIN - 1, 1.5, Number.NaN, '1' as unknown as number]) {
        await expectCode(store.send(pr(box, bad)), 'invalid_priority')
      }
      await expectCode(store.sendBatch([pr(box, 1), pr(box, 99)]), 'invalid_priority')
      expect(await store.mailboxes()).toEqual([])
      const many = await store.sendMany([pr(box, 1), pr(box, -99)])
      expect(many.map((r) => (r instanceof PandoraError ? r.code : r.duplicate))).toEqual([
        false,
        'invalid_priority',
      ])
      expect((await store.stats(box)).pending).toBe(1)
    })

    it('priority - not part of the mid: the same body with another priority is a duplicate and keeps the first', async () => {
      const { store } = await open()
      const box = mailbox()
      const body = msg(box, { job: 'x' }, { clientTime: '2024-01-01T00:00:00Z' })
      const first = await store.send({ ...body, priority: 2 })
      const again = await store.send({ ...body, priority: -5 })
      expect(again).toEqual({ mid: first.mid, duplicate: true })
      expect(first.mid).toBe((await prepareMessage(body, { now: 0 })).mid)
      expect((await store.get(first.mid))?.priority).toBe(2)
    })
  })

  describe('fan-out', () => {
    const clientTime = '2024-03-03T03:03:03Z'
    const fan = (receivers: string[], fields: SendInput['fields'] = { n: String(++n) }) => ({
      sender: 'sender@test',
      receivers,
      fields,
      clientTime,
    })

    it('fan-out - one message per receiver, each exactly what a single send to it gives', async () => {
      const { store } = await open()
      const boxes = [mailbox('a'), mailbox('b'), mailbox('c')]
      const input = fan(boxes, { order: '7', item: ['x', 'y'] })
      const results = await sendFanOut(store, { ...input, priority: 3 })
      for (const [i, box] of boxes.entries()) {
        const single = await prepareMessage(
          { sender: input.sender, receiver: box, fields: input.fields, clientTime },
          { now: 0 },
        )
        expect(results[i]).toEqual({ mid: single.mid, duplicate: false })
        const stored = await store.get(single.mid)
        expect(stored).toMatchObject({ receiver: box, size: single.bytes.byteLength, priority: 3 })
        // The same fields, in the same (canonical) order as a single send's.
        expect(JSON.stringify(stored?.fields)).toBe(JSON.stringify(decodeFields(single.body)))
        const [leased] = await store.fetch(box, { leaseTime: LEASE })
        expect(leased?.mid).toBe(single.mid)
        expect(encodeFields(leased!.fields)).toBe(single.body)
      }
    })

    it('fan-out - a result per receiver: one that has it already is a duplicate, a bad one fails alone; the list is bounded', async () => {
      const { store } = await open()
      const [a, b] = [mailbox('a'), mailbox('b')]
      const input = fan([a, b, '', a])
      const before = await store.send({ sender: input.sender, receiver: a, fields: input.fields, clientTime })
      const results = await sendFanOut(store, input)
      expect(results.map((r) => (r instanceof PandoraError ? r.code : r.duplicate))).toEqual([
        true,
        false,
        'invalid_mailbox',
        true,
      ])
      expect((results[0] as { mid: string }).mid).toBe(before.mid)
      expect((await store.stats(b)).pending).toBe(1)
      const c = mailbox('c')
      await expectCode(sendFanOut(store, fan([])), 'invalid_input')
      const tooMany = Array.from({ length: FANOUT_MAX_RECIPIENTS + 1 }, () => c)
      await expectCode(sendFanOut(store, fan(tooMany)), 'invalid_input')
      expect(await store.stats(c)).toMatchObject({ pending: 0 })
      const full = Array.from({ length: FANOUT_MAX_RECIPIENTS }, (_, i) => `${c}.${i}`)
      const all = await sendFanOut(store, fan(full))
      expect(all.filter((r) => !(r instanceof PandoraError) && !r.duplicate)).toHaveLength(
        FANOUT_MAX_RECIPIENTS,
      )
    })

    it('fan-out - the body is stored once: one blob counted per recipient; confirming or purging one keeps it for the others; the last collects it', async () => {
      const { store } = await open()
      const [a, b, c, d] = [mailbox('a'), mailbox('b'), mailbox('c'), mailbox('d')]
      const input = fan([a, b, c], { report: 'weekly' })
      const results = await sendFanOut(store, input)
      const mids = results.map((r) => (r as { mid: string }).mid)
      expect(new Set(mids).size).toBe(3)
      const key = blobKeyOf((await store.get(mids[0]!))!.fields!)
      for (const mid of mids) expect(blobKeyOf((await store.get(mid))!.fields!)).toBe(key)
      expect(await store.updateRefCount(key, 0)).toBe(3)
      // The blob is the body without its receiver: what every recipient shares.
      const shared = new TextDecoder().decode((await store.getBlob(key))!)
      expect(shared).toBe(
        encodeFields({ clientTime: [clientTime], report: ['weekly'], sender: ['sender@test'] }),
      )

      const [ma] = await store.fetch(a, { leaseTime: LEASE })
      await store.ack(ma!.mid, ma!.lid, Status.confirmed)
      expect(await store.updateRefCount(key, 0)).toBe(2)
      expect(await store.getBlob(key)).not.toBeNull()
      expect((await store.get(mids[1]!))?.fields?.receiver).toEqual([b])

      expect(await store.purge(b)).toBe(1)
      expect(await store.updateRefCount(key, 0)).toBe(1)
      const [mc] = await store.fetch(c, { leaseTime: LEASE })
      expect(mc?.fields.report).toEqual(['weekly'])

      // A later single send of the same body to another mailbox keeps its own copy, inline: the
      // blob's count is unchanged, and purging that mailbox leaves the blob to its holder.
      await store.send({ sender: input.sender, receiver: d, fields: input.fields, clientTime })
      expect(await store.updateRefCount(key, 0)).toBe(1)
      await store.purge(d)
      expect(await store.updateRefCount(key, 0)).toBe(1)
      await store.ack(mc!.mid, mc!.lid, Status.confirmed)
      expect(await store.getBlob(key)).toBeNull()
      expect(await store.updateRefCount(key, 0)).toBe(0)
      expect(await store.get(mids[0]!)).toMatchObject({ status: Status.confirmed, fields: null })
      expect(await store.get(mids[2]!)).toMatchObject({ status: Status.confirmed, fields: null })
    })

    it('fan-out - a batch that holds the same body for several receivers stores it once too', async () => {
      const { store } = await open()
      const [a, b] = [mailbox('a'), mailbox('b')]
      const fields = { same: 'body' }
      const [ra, rb] = await store.sendBatch([
        { sender: 'sender@test', receiver: a, fields, clientTime },
        { sender: 'sender@test', receiver: b, fields, clientTime },
      ])
      const key = blobKeyOf((await store.get(ra!.mid))!.fields!)
      expect(blobKeyOf((await store.get(rb!.mid))!.fields!)).toBe(key)
      expect(await store.updateRefCount(key, 0)).toBe(2)
    })

    it('bodies - a body sent to one mailbox is kept with its message, not as a blob; it reads back whole until confirmed', async () => {
      const { store } = await open()
      const box = mailbox()
      const { mid } = await store.send(msg(box, { alone: 'yes' }))
      const key = blobKeyOf((await store.get(mid))!.fields!)
      expect(await store.getBlob(key)).toBeNull()
      expect(await store.updateRefCount(key, 0)).toBe(0)
      const [m] = await store.fetch(box, { leaseTime: LEASE })
      expect(m?.fields).toMatchObject({ alone: ['yes'], receiver: [box] })
      await store.ack(m!.mid, m!.lid, Status.confirmed)
      expect(await store.get(mid)).toMatchObject({ status: Status.confirmed, fields: null })
    })

    const failure = options.skip?.['fan-out-failure']
    it.skipIf(failure !== undefined)(
      `fan-out - one transaction: when the store fails one recipient's write, no recipient gets the message and no blob is left${failure ? ` (skipped: ${failure.reason})` : ''}`,
      async () => {
        const h = await open()
        if (!h.failWritesTo)
          throw new Error(
            'the store harness needs failWritesTo(receiver), or skip fan-out-failure with a reason',
          )
        const [a, broken, c] = [mailbox('a'), mailbox('broken'), mailbox('c')]
        await h.failWritesTo(broken)
        const input = fan([a, broken, c], { all: 'or nothing' })
        await expect(sendFanOut(h.store, input)).rejects.toBeInstanceOf(Error)
        expect(await h.store.mailboxes()).toEqual([])
        const single = await prepareMessage(
          { sender: input.sender, receiver: a, fields: input.fields, clientTime },
          { now: 0 },
        )
        expect(await h.store.getBlob(single.blob)).toBeNull()
        // The others alone go through.
        const results = await sendFanOut(h.store, { ...input, receivers: [a, c] })
        expect(results.every((r) => !(r instanceof PandoraError) && !r.duplicate)).toBe(true)
        expect(await h.store.updateRefCount(single.blob, 0)).toBe(2)
      },
    )
  })

  describe('sendMany', () => {
    it('sendMany - stores the good messages of a batch together; each bad one fails alone, in order', async () => {
      const { store } = await open()
      const box = mailbox()
      const clientTime = '2024-01-01T00:00:00Z'
      const results = await store.sendMany([
        msg(box, { a: '1' }),
        msg('', { a: '2' }),
        msg(box, { big: 'x'.repeat(5000) }),
        msg(box, { same: '1' }, { clientTime }),
        msg(box, { same: '1' }, { clientTime }),
        msg(box, { a: '3' }, { delay: 1000 }),
      ])
      const codes = results.map((r) => (r instanceof PandoraError ? r.code : r.duplicate))
      expect(codes).toEqual([false, 'invalid_mailbox', 'message_too_big', false, true, false])
      expect(await store.stats(box)).toMatchObject({ pending: 2, delayed: 1 })
      const again = await store.sendMany([msg(box, { same: '1' }, { clientTime })])
      expect(again).toEqual([{ mid: (results[3] as { mid: string }).mid, duplicate: true }])
      expect(await store.sendMany([])).toEqual([])
    })
  })

  describe('ackMany', () => {
    it('ackMany - confirms and rejects in one call; each item succeeds or fails alone, in order', async () => {
      const h = await open()
      const { store } = h
      const box = mailbox()
      await store.sendBatch([1, 2, 3, 4].map((i) => msg(box, { i: String(i) })))
      const [a, b, c, d] = await store.fetch(box, { leaseTime: LEASE, max: 4 })
      const results = await store.ackMany([
        { mid: a!.mid, lid: a!.lid, status: Status.confirmed },
        { mid: b!.mid, lid: c!.lid, status: Status.confirmed },
        { mid: c!.mid, lid: c!.lid, status: Status.rejected, delay: 5000 },
        { mid: 'zz', lid: d!.lid, status: Status.confirmed },
        { mid: a!.mid, lid: a!.lid, status: Status.confirmed },
        { mid: d!.mid, lid: d!.lid, status: Status.rejected },
      ])
      expect(results.map((r) => r?.code ?? null)).toEqual([
        null,
        'unable_to_change_status',
        null,
        'input_too_short',
        'unable_to_change_status',
        null,
      ])
      expect(await store.stats(box)).toMatchObject({ confirmed: 1, leased: 1, delayed: 1, pending: 1 })
      expect(await store.get(a!.mid)).toMatchObject({ status: Status.confirmed, fields: null })
      expect((await store.get(b!.mid))?.fields).not.toBeNull()
      // d was given back at once, c after its delay; b keeps its lease.
      const [again] = await store.fetch(box, { leaseTime: LEASE })
      expect(again).toMatchObject({ mid: d!.mid, status: Status.rejected, deliveryCount: 2 })
      h.advance(5000)
      const [later] = await store.fetch(box, { leaseTime: LEASE })
      expect(later!.mid).toBe(c!.mid)
      expect(await store.ackMany([])).toEqual([])
    })

    it('ackMany - a batch after the leases expired changes nothing', async () => {
      const h = await open()
      const box = mailbox()
      await h.store.sendBatch([msg(box), msg(box)])
      const leased = await h.store.fetch(box, { leaseTime: LEASE, max: 2 })
      h.advance(LEASE)
      const results = await h.store.ackMany(
        leased.map((m) => ({ mid: m.mid, lid: m.lid, status: Status.confirmed })),
      )
      expect(results.map((r) => r?.code)).toEqual(['unable_to_change_status', 'unable_to_change_status'])
      expect(await h.store.stats(box)).toMatchObject({ pending: 2, confirmed: 0 })
    })
  })

  describe('ack', () => {
    it('ack - confirmed is final and drops the body, in the same step', async () => {
      const { store } = await open()
      const box = mailbox()
      const { mid } = await store.send(msg(box, { kept: 'until confirmed' }))
      expect((await store.get(mid))?.fields?.kept).toEqual(['until confirmed'])
      const [m] = await store.fetch(box, { leaseTime: LEASE })
      await store.ack(m!.mid, m!.lid, Status.confirmed)
      expect(await store.fetch(box, { leaseTime: LEASE })).toEqual([])
      expect(await store.nextDueIn(box)).toBeNull()
      expect(await store.stats(box)).toMatchObject({ pending: 0, leased: 0, confirmed: 1 })
      const stored = await store.get(mid)
      expect(stored).toMatchObject({ mid, status: Status.confirmed, fields: null })
      await expectCode(store.ack(m!.mid, m!.lid, Status.confirmed), 'unable_to_change_status')
    })

    it('ack - a wrong or stale lid changes nothing', async () => {
      const { store } = await open()
      const box = mailbox()
      await store.send(msg(box))
      const [m] = await store.fetch(box, { leaseTime: LEASE })
      const wrong = m!.lid.replace(/^./, (c) => (c === '0' ? '1' : '0'))
      await expectCode(store.ack(m!.mid, wrong, Status.confirmed), 'unable_to_change_status')
      await expectCode(store.ack(m!.mid, wrong, Status.rejected), 'unable_to_change_status')
      expect(await store.stats(box)).toMatchObject({ leased: 1, confirmed: 0 })
      await store.ack(m!.mid, m!.lid, Status.confirmed)
      expect((await store.stats(box)).confirmed).toBe(1)
    })

    it('ack - bad keys and statuses are refused with the original messages', async () => {
      const { store } = await open()
      const box = mailbox()
      const { mid } = await store.send(msg(box))
      const [m] = await store.fetch(box, { leaseTime: LEASE })
      await expectCode(store.ack(`${mid}00`, m!.lid, Status.confirmed), 'key_too_short')
      await expectCode(store.ack(mid.slice(2), m!.lid, Status.confirmed), 'input_too_short')
      await expectCode(store.ack(mid, 'z'.repeat(40), Status.confirmed), 'invalid_key')
      await expectCode(store.ack(mid, m!.lid, Status.timeout), 'invalid_status')
      await expectCode(store.ack(mid, m!.lid, Status.rejected, { delay: -5 }), 'invalid_duration')
      await expectCode(store.ack('f'.repeat(40), m!.lid, Status.confirmed), 'unable_to_change_status')
      expect((await store.stats(box)).leased).toBe(1)
    })

    it('ack - an expired lease cannot be acked', async () => {
      const h = await open()
      const box = mailbox()
      await h.store.send(msg(box))
      const [m] = await h.store.fetch(box, { leaseTime: 5000 })
      h.advance(5001)
      await expectCode(h.store.ack(m!.mid, m!.lid, Status.confirmed), 'unable_to_change_status')
    })

    it('expiry - an expired lease makes the message due again with status timeout and deliveryCount 2', async () => {
      const h = await open()
      const box = mailbox()
      const { mid } = await h.store.send(msg(box))
      const [first] = await h.store.fetch(box, { leaseTime: 5000 })
      const due = await h.store.nextDueIn(box)
      expect(due).toBeGreaterThan(3000)
      expect(due).toBeLessThanOrEqual(5000)
      h.advance(5001)
      expect(await h.store.nextDueIn(box)).toBe(0)
      const [header] = await h.store.headers(box)
      expect(header).toMatchObject({ mid, status: Status.timeout, leasedUntil: null })
      expect(await h.store.stats(box)).toMatchObject({ pending: 1, leased: 0 })
      const [second] = await h.store.fetch(box, { leaseTime: 5000 })
      expect(second).toMatchObject({ mid, deliveryCount: 2, status: Status.timeout })
      expect(second!.lid).not.toBe(first!.lid)
      await expectCode(h.store.ack(mid, first!.lid, Status.confirmed), 'unable_to_change_status')
      await h.store.ack(mid, second!.lid, Status.confirmed)
    })

    it('reject - a rejected message is delivered again at once, with status rejected', async () => {
      const { store } = await open()
      const box = mailbox()
      const { mid } = await store.send(msg(box))
      const [first] = await store.fetch(box, { leaseTime: LEASE })
      await store.ack(mid, first!.lid, Status.rejected)
      const [again] = await store.fetch(box, { leaseTime: LEASE })
      expect(again).toMatchObject({ mid, deliveryCount: 2, status: Status.rejected })
    })

    it('reject - a reject with a delay is delivered again only after it', async () => {
      const h = await open()
      const box = mailbox()
      const { mid } = await h.store.send(msg(box))
      const [first] = await h.store.fetch(box, { leaseTime: LEASE })
      await h.store.ack(mid, first!.lid, Status.rejected, { delay: 10_000 })
      expect(await h.store.fetch(box, { leaseTime: LEASE })).toEqual([])
      expect((await h.store.stats(box)).delayed).toBe(1)
      h.advance(10_001)
      const [again] = await h.store.fetch(box, { leaseTime: LEASE })
      expect(again?.mid).toBe(mid)
    })
  })

  describe('renew', () => {
    it('renew - extends a live lease past its first end', async () => {
      const h = await open()
      const box = mailbox()
      const { mid } = await h.store.send(msg(box))
      const [m] = await h.store.fetch(box, { leaseTime: 5000 })
      h.advance(4000)
      const until = await h.store.renew(mid, m!.lid, 10_000)
      expect(until - m!.leasedUntil).toBeGreaterThan(8000)
      h.advance(4000)
      expect(await h.store.fetch(box, { leaseTime: 5000 })).toEqual([])
      await h.store.ack(mid, m!.lid, Status.confirmed)
      expect((await h.store.stats(box)).confirmed).toBe(1)
    })

    it('renew - a stale lid or an expired lease cannot renew', async () => {
      const h = await open()
      const box = mailbox()
      const { mid } = await h.store.send(msg(box))
      const [m] = await h.store.fetch(box, { leaseTime: 5000 })
      await expectCode(h.store.renew(mid, 'a'.repeat(40), 5000), 'unable_to_change_status')
      await expectCode(h.store.renew(mid, m!.lid, 500), 'invalid_lease_time')
      h.advance(5001)
      await expectCode(h.store.renew(mid, m!.lid, 5000), 'unable_to_change_status')
    })
  })

  describe('dead letters', () => {
    it('maxDeliveries - after its last lease a message is dead, listed, and can be redriven', async () => {
      const h = await open({ maxDeliveries: 2 })
      const box = mailbox()
      const { mid } = await h.store.send(msg(box))
      const [a] = await h.store.fetch(box, { leaseTime: 5000 })
      h.advance(5001)
      const [b] = await h.store.fetch(box, { leaseTime: 5000 })
      expect(b).toMatchObject({ mid, deliveryCount: 2 })
      expect(a!.lid).not.toBe(b!.lid)
      await h.store.ack(mid, b!.lid, Status.rejected)
      expect(await h.store.fetch(box, { leaseTime: 5000 })).toEqual([])
      expect(await h.store.stats(box)).toMatchObject({ dead: 1, pending: 0 })
      const dead = await h.store.dead(box)
      expect(dead.map((d) => [d.mid, d.status])).toEqual([[mid, Status.dead]])
      expect(await h.store.nextDueIn(box)).toBeNull()
      expect(await h.store.redrive(box)).toBe(1)
      const [again] = await h.store.fetch(box, { leaseTime: 5000 })
      expect(again).toMatchObject({ mid, deliveryCount: 1 })
      expect(await h.store.dead(box)).toEqual([])
    })

    it('maxDeliveries - an expired last lease also ends as dead', async () => {
      const h = await open({ maxDeliveries: 1 })
      const box = mailbox()
      const { mid } = await h.store.send(msg(box))
      await h.store.fetch(box, { leaseTime: 5000 })
      h.advance(5001)
      expect(await h.store.fetch(box, { leaseTime: 5000 })).toEqual([])
      expect((await h.store.dead(box)).map((d) => d.mid)).toEqual([mid])
      expect(await h.store.redrive(box, [mid])).toBe(1)
      expect(await h.store.redrive(box, [mid])).toBe(0)
    })

    it('maxDeliveries - 0 disables dead-lettering', async () => {
      const h = await open({ maxDeliveries: 0 })
      const box = mailbox()
      await h.store.send(msg(box))
      for (let i = 1; i <= 12; i++) {
        const [m] = await h.store.fetch(box, { leaseTime: 1000 })
        expect(m?.deliveryCount).toBe(i)
        await h.store.ack(m!.mid, m!.lid, Status.rejected)
      }
    })
  })

  describe('field names', () => {
    /** Prototype member names, each with two values, in a body parsed from JSON (own `__proto__` key). */
    const PROTO_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']
    const protoFields = (): SendInput['fields'] =>
      JSON.parse(`{${PROTO_NAMES.map((n) => `"${n}": ["${n}-1", "${n}-2"]`).join(', ')}}`)
    /** The own fields of a body, as a plain record for comparison. */
    const own = (fields: object | null | undefined) =>
      fields &&
      Object.fromEntries(
        Object.keys(fields).map((k) => [k, Object.getOwnPropertyDescriptor(fields, k)?.value]),
      )

    it('fields - prototype names such as constructor and __proto__ round-trip through send, fetch and get', async () => {
      const { store } = await open()
      const box = mailbox()
      const clientTime = '2024-01-01T00:00:00Z'
      const { mid } = await store.send(msg(box, protoFields(), { clientTime }))
      const behind = await store.send(msg(box, { n: 'behind' }))
      const expected = {
        ...Object.fromEntries(PROTO_NAMES.map((n) => [n, [`${n}-1`, `${n}-2`]])),
        clientTime: [clientTime],
        receiver: [box],
        sender: ['sender@test'],
      }
      const fetched = await store.fetch(box, { leaseTime: LEASE, max: 10 })
      expect(fetched.map((m) => m.mid)).toEqual([mid, behind.mid])
      expect(own(fetched[0]!.fields)).toEqual(expected)
      expect(own((await store.get(mid))?.fields)).toEqual(expected)
      const canonical = Object.assign(Object.create(null), expected)
      expect(mid).toBe(await contentKey(encodeFields(canonical)))
      for (const m of fetched) await store.ack(m.mid, m.lid, Status.confirmed)
      expect(await store.stats(box)).toMatchObject({ confirmed: 2, pending: 0, leased: 0 })
    })

    it('fields - a batch with prototype names is stored whole and read back', async () => {
      const { store } = await open()
      const box = mailbox()
      const results = await store.sendBatch([msg(box, protoFields()), msg(box, { constructor: 'only' })])
      const fetched = await store.fetch(box, { leaseTime: LEASE, max: 10 })
      expect(fetched.map((m) => m.mid)).toEqual(results.map((r) => r.mid))
      expect(own(fetched[0]!.fields)).toMatchObject(
        Object.fromEntries([['__proto__', ['__proto__-1', '__proto__-2']]]),
      )
      expect(own(fetched[1]!.fields)).toMatchObject({ constructor: ['only'] })
      expect(Object.keys(fetched[1]!.fields)).not.toContain('toString')
    })
  })

  describe('unreadable bodies', () => {
    const skip = options.skip?.['corrupt-body']
    it.skipIf(skip !== undefined)(
      `poison - a body that cannot be read counts as a delivery, never blocks the messages behind it, and goes dead${skip ? ` (skipped: ${skip.reason})` : ''}`,
      async () => {
        const h = await open({ maxDeliveries: 2 })
        if (!h.corrupt)
          throw new Error('the store harness needs corrupt(mid), or skip corrupt-body with a reason')
        const box = mailbox()
        const bad = await h.store.send(msg(box, { n: 'bad' }))
        const first = await h.store.send(msg(box, { n: 'first' }))
        const second = await h.store.send(msg(box, { n: 'second' }))
        await h.corrupt(bad.mid)
        await expectCode(h.store.get(bad.mid), 'corrupt_blob')

        // One batch: the unreadable message is leased (a delivery) but not returned; the others are.
        const batch = await h.store.fetch(box, { leaseTime: 5000, max: 10 })
        expect(batch.map((m) => m.mid)).toEqual([first.mid, second.mid])
        const badHeader = async () => (await h.store.headers(box)).find((m) => m.mid === bad.mid)
        expect(await badHeader()).toMatchObject({ deliveryCount: 1 })
        expect(await h.store.stats(box)).toMatchObject({ leased: 3, pending: 0 })
        for (const m of batch) await h.store.ack(m.mid, m.lid, Status.confirmed)

        // Its lease runs out: due again ahead of a newer message, and a fetch of one passes it by.
        h.advance(5001)
        const third = await h.store.send(msg(box, { n: 'third' }))
        const [next] = await h.store.fetch(box, { leaseTime: 5000 })
        expect(next?.mid).toBe(third.mid)
        expect(await badHeader()).toMatchObject({ deliveryCount: 2 })
        await h.store.ack(next!.mid, next!.lid, Status.confirmed)

        // After its last delivery it is dead, like any message that keeps failing.
        h.advance(5001)
        expect(await h.store.fetch(box, { leaseTime: 5000, max: 10 })).toEqual([])
        expect((await h.store.dead(box)).map((m) => m.mid)).toEqual([bad.mid])
        expect(await h.store.stats(box)).toMatchObject({ dead: 1, confirmed: 3, leased: 0, pending: 0 })
        expect(await h.store.nextDueIn(box)).toBeNull()
      },
    )
  })

  describe('listings', () => {
    it('headers - since a time, oldest first, without bodies', async () => {
      const h = await open()
      const box = mailbox()
      const old = await h.store.send(msg(box))
      h.advance(60_000)
      const [recent] = await h.store.fetch(box, { leaseTime: LEASE })
      expect(recent?.mid).toBe(old.mid)
      const cut = recent!.receivedAt + 30_000
      const a = await h.store.send(msg(box))
      const b = await h.store.send(msg(box))
      const all = await h.store.headers(box)
      expect(all.map((x) => x.mid)).toEqual([old.mid, a.mid, b.mid])
      expect(all[0]).toMatchObject({ deliveryCount: 1, sender: 'sender@test', receiver: box })
      expect(all[0]).not.toHaveProperty('fields')
      const since = await h.store.headers(box, { since: cut })
      expect(since.map((x) => x.mid)).toEqual([a.mid, b.mid])
      expect((await h.store.headers(box, { limit: 1 })).map((x) => x.mid)).toEqual([old.mid])
      await expectCode(h.store.headers(box, { limit: 0 }), 'invalid_input')
    })

    it('headers - newest first with order desc, since and limit apply', async () => {
      const h = await open()
      const box = mailbox()
      const old = await h.store.send(msg(box))
      h.advance(60_000)
      const a = await h.store.send(msg(box))
      // Same instant as a: arrival order decides, reversed.
      const b = await h.store.send(msg(box))
      h.advance(1000)
      const c = await h.store.send(msg(box))
      const [first] = await h.store.headers(box, { limit: 1 })
      const desc = await h.store.headers(box, { order: 'desc' })
      expect(desc.map((x) => x.mid)).toEqual([c.mid, b.mid, a.mid, old.mid])
      expect((await h.store.headers(box, { order: 'asc' })).map((x) => x.mid)).toEqual([
        old.mid,
        a.mid,
        b.mid,
        c.mid,
      ])
      expect((await h.store.headers(box, { order: 'desc', limit: 2 })).map((x) => x.mid)).toEqual([
        c.mid,
        b.mid,
      ])
      const since = first!.receivedAt + 30_000
      expect((await h.store.headers(box, { order: 'desc', since })).map((x) => x.mid)).toEqual([
        c.mid,
        b.mid,
        a.mid,
      ])
      expect((await h.store.headers(box, { order: 'desc', since, limit: 1 })).map((x) => x.mid)).toEqual([
        c.mid,
      ])
      await expectCode(h.store.headers(box, { order: 'newest' as unknown as 'desc' }), 'invalid_input')
    })

    it('mailboxes - counts every mailbox that holds messages', async () => {
      const h = await open()
      const one = mailbox('one')
      const two = mailbox('two')
      await h.store.send(msg(one))
      await h.store.send(msg(one, undefined, { delay: 10_000 }))
      await h.store.send(msg(two))
      await h.store.fetch(two, { leaseTime: LEASE })
      const all = await h.store.mailboxes()
      expect(all.find((s) => s.receiver === one)).toMatchObject({ pending: 1, delayed: 1, leased: 0 })
      expect(all.find((s) => s.receiver === two)).toMatchObject({ pending: 0, leased: 1 })
    })

    it('purge - deletes every message of a mailbox and collects their bodies', async () => {
      const { store } = await open()
      const box = mailbox()
      const other = mailbox()
      const { mid } = await store.send(msg(box))
      // Sent to both in one batch: one blob, a reference each; the purge gives back only box's.
      const [fanned] = await store.sendBatch([msg(box, { both: 'x' }), msg(other, { both: 'x' })])
      const blob = blobKeyOf((await store.get(fanned!.mid))!.fields!)
      expect(await store.updateRefCount(blob, 0)).toBe(2)
      const kept = await store.send(msg(other))
      const [m] = await store.fetch(box, { leaseTime: LEASE })
      await store.ack(m!.mid, m!.lid, Status.confirmed)
      expect(await store.purge(box)).toBe(2)
      expect(await store.headers(box)).toEqual([])
      expect(await store.updateRefCount(blob, 0)).toBe(1)
      expect(await store.getBlob(blob)).not.toBeNull()
      expect(await store.get(mid)).toBeNull()
      expect(await store.get(kept.mid)).not.toBeNull()
      expect(await store.purge(box)).toBe(0)
    })
  })

  describe('blobs', () => {
    it('blobs - content keyed, reference counted, collected at 0', async () => {
      const { store } = await open()
      const bytes = new TextEncoder().encode(`blob ${mailbox()}`)
      const key = await store.putBlob(bytes)
      expect(key).toBe(await contentKey(bytes))
      expect(await store.putBlob(bytes)).toBe(key)
      expect(await store.updateRefCount(key, -1)).toBe(1)
      expect(await store.collectBlobs()).toBe(0)
      expect(new TextDecoder().decode((await store.getBlob(key))!)).toBe(new TextDecoder().decode(bytes))
      expect(await store.updateRefCount(key, -1)).toBe(0)
      expect(await store.collectBlobs()).toBeGreaterThanOrEqual(1)
      expect(await store.getBlob(key)).toBeNull()
      await expectCode(store.getBlob('abc'), 'input_too_short')
    })
  })

  describe('availability', () => {
    it('signal - told on every send (delayed too), reject and redrive; a removed listener hears nothing', async () => {
      const h = await open({ maxDeliveries: 2 })
      const box = mailbox()
      let heard = 0
      let wake: (() => void) | undefined
      const off = h.store.onAvailable((r) => {
        if (r !== box) return
        heard++
        wake?.()
      })
      const signalled = async (action: () => Promise<unknown>) => {
        const before = heard
        const woken = new Promise<void>((resolve) => {
          wake = resolve
        })
        await action()
        if (heard === before) await woken
        expect(heard).toBeGreaterThan(before)
      }
      await signalled(() => h.store.send(msg(box)))
      await signalled(() => h.store.send(msg(box, undefined, { delay: 5000 })))
      const [m] = await h.store.fetch(box, { leaseTime: 5000 })
      await signalled(() => h.store.ack(m!.mid, m!.lid, Status.rejected, { delay: 1000 }))
      h.advance(1001)
      const [again] = await h.store.fetch(box, { leaseTime: 5000 })
      await h.store.ack(again!.mid, again!.lid, Status.rejected)
      expect((await h.store.dead(box)).length).toBe(1)
      await signalled(() => h.store.redrive(box))
      off()
      const before = heard
      // A second listener proves the signal fired; the removed one must not have heard it.
      const other = new Promise<void>((resolve) => {
        const offOther = h.store.onAvailable((r) => {
          if (r === box) {
            offOther()
            resolve()
          }
        })
      })
      await h.store.send(msg(box))
      await other
      expect(heard).toBe(before)
    })

    it('nextDueIn - null for an empty mailbox, 0 when one is due', async () => {
      const { store } = await open()
      const box = mailbox()
      expect(await store.nextDueIn(box)).toBeNull()
      await store.send(msg(box))
      expect(await store.nextDueIn(box)).toBe(0)
    })

    it('nextDueIn - the soonest due message whatever its priority', async () => {
      const h = await open()
      const box = mailbox()
      await h.store.send(msg(box, undefined, { priority: 5, delay: 9000 }))
      await h.store.send(msg(box, undefined, { priority: -3, delay: 4000 }))
      await h.store.send(msg(box, undefined, { priority: 0, delay: 6000 }))
      expect(await h.store.nextDueIn(box)).toBe(4000)
      // Once the soonest is leased, the next soonest is on another level.
      h.advance(4000)
      const [m] = await h.store.fetch(box, { leaseTime: 60_000 })
      expect(m?.priority).toBe(-3)
      expect(await h.store.nextDueIn(box)).toBe(2000)
    })
  })

  describe('lifecycle', () => {
    it.skipIf(options.skip?.reopen)(
      `reopen - closing and reopening loses nothing${options.skip?.reopen ? ` (skipped: ${options.skip.reopen.reason})` : ''}`,
      async () => {
        const h = await open()
        const box = mailbox()
        const a = await h.store.send(msg(box, { keep: 'me' }))
        const b = await h.store.send(msg(box))
        const delayed = await h.store.send(msg(box, undefined, { delay: 60_000 }))
        const [leased] = await h.store.fetch(box, { leaseTime: LEASE })
        const store = await h.reopen!()
        harness = { ...h, store }
        await store.ready()
        expect(await store.stats(box)).toMatchObject({ pending: 1, leased: 1, delayed: 1 })
        expect((await store.get(a.mid))?.fields?.keep).toEqual(['me'])
        await store.ack(leased!.mid, leased!.lid, Status.confirmed)
        const [next] = await store.fetch(box, { leaseTime: LEASE, max: 5 })
        expect(next?.mid).toBe(b.mid)
        expect((await store.headers(box)).map((x) => x.mid)).toContain(delayed.mid)
      },
    )

    it('close - a closed store refuses work', async () => {
      const { store } = await open()
      await store.close()
      await expectCode(store.send(msg(mailbox())), 'store_closed')
    })
  })

  describe('concurrency', () => {
    it('parallel - many concurrent fetchers never hold one message under two live leases', async () => {
      const h = await open()
      const box = mailbox()
      const total = 60
      await h.store.sendBatch(Array.from({ length: total }, () => msg(box)))
      const stores = [h.store, ...((await h.peers?.(3)) ?? [])]
      try {
        const got: string[] = []
        await Promise.all(
          Array.from({ length: 8 }, async (_, i) => {
            const s = stores[i % stores.length]!
            for (;;) {
              const batch = await s.fetch(box, { leaseTime: LEASE, max: 3 })
              if (batch.length === 0) return
              got.push(...batch.map((m) => m.mid))
            }
          }),
        )
        expect(got).toHaveLength(total)
        expect(new Set(got).size).toBe(total)
      } finally {
        await Promise.all(stores.slice(1).map((s) => s.close()))
      }
    })
  })
}
