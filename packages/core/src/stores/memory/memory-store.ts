import { AvailabilitySignal } from '../../availability.js'
import type { Clock } from '../../clock.js'
import { PandoraError } from '../../errors.js'
import { contentKey, newLeaseId, parseKey } from '../../key.js'
import { assertMailbox } from '../../mailbox.js'
import {
  type LeasedMessage,
  type MessageHeader,
  type PreparedMessage,
  prepareAll,
  prepareEach,
  type SendInput,
  type SendResult,
  type StoredMessage,
  storeEach,
} from '../../message.js'
import { checkRetryPolicy, type RetryPolicy, type RetryPolicyInput } from '../../retry-policy.js'
import { isActiveStatus, Status, type StatusCode } from '../../status.js'
import type {
  AckItem,
  AvailabilityListener,
  FetchOptions,
  HeadersQuery,
  MailboxStats,
  Store,
  StoreLimits,
  StoreOptions,
} from '../../store.js'
import {
  type AckOptions,
  checkAck,
  checkAcks,
  checkFetch,
  checkHeaders,
  checkMids,
  checkRenew,
} from '../../store-input.js'
import { DueHeap } from '../due-heap.js'
import {
  assertDelta,
  assertLeaseHolds,
  byReceiver,
  countedState,
  emptyStats,
  expiryDelay,
  isExhausted,
  maxDeliveriesOf,
  rejectDelay,
  resolveStoreOptions,
  sharedBlobKeys,
  statusWhenLeased,
} from '../store-rules.js'
import { assertIntact, expiredFailure, headerAt, leasedFields, verifiedFields } from '../stored-view.js'

/** Options of the {@link MemoryStore}: those every store takes. */
export type MemoryStoreOptions = StoreOptions

interface Rec {
  mid: string
  sender: string
  receiver: string
  status: StatusCode
  receivedAt: number
  sendWhen: number
  /** When it is next due: sendWhen, end of its lease, or end of a reject delay. */
  visibleAt: number
  leasedUntil: number | null
  lid: string | null
  deliveryCount: number
  size: number
  failureReason: string | null
  failedAt: number | null
  priority: number
  /** Key of the body without its receiver: of its blob, or of {@link Rec.body}. */
  blob: string
  /** The body kept inline (see sharedBlobKeys); null: in the blobs under `blob`, or let go once confirmed. */
  body: Uint8Array | null
  seq: number
  version: number
}

interface Mailbox {
  /**
   * One due-ordered heap per priority, highest priority first: a fetch takes the first level whose
   * top is due, so it stays O(levels + log n) however the mailbox's messages are spread.
   */
  levels: Map<number, DueHeap<Rec>>
  /** The priorities of `levels`, highest first. */
  order: number[]
  /** Every message of the mailbox in arrival order (Map keeps insertion order). */
  all: Map<string, Rec>
}

const isActive = (r: Rec): boolean => isActiveStatus(r.status)

/** Key of the store's test seam for damaging a body in place (see `MemoryStore[heldBytes]`). */
export const heldBytes: unique symbol = Symbol('heldBytes')

/**
 * A store in memory, for tests and ephemeral use: nothing survives the process. Fetch, ack and
 * renew are O(log n) per message (one due-ordered heap per mailbox); listings walk the mailbox.
 *
 * @example
 * ```ts
 * const store = await openMemoryStore()
 * const { mid } = await store.send({ sender: 'a@local', receiver: 'b@local', fields: { hi: 'there' } })
 * const [msg] = await store.fetch('b@local', { leaseTime: 30_000 })
 * await store.ack(msg.mid, msg.lid, Status.confirmed)
 * ```
 */
export class MemoryStore implements Store {
  readonly kind = 'memory'
  readonly limits: StoreLimits
  readonly clock: Clock
  readonly #clock: Clock
  readonly #maxSize: number
  readonly #maxDeliveries: number
  readonly #signal: AvailabilitySignal
  readonly #random: () => number
  readonly #policies = new Map<string, RetryPolicy>()
  readonly #messages = new Map<string, Rec>()
  readonly #mailboxes = new Map<string, Mailbox>()
  readonly #blobs = new Map<string, { bytes: Uint8Array; refs: number }>()
  #seq = 0
  #closed = false

  /** Prefer {@link openMemoryStore}, the way every store is opened; this does the same, synchronously. */
  constructor(options: MemoryStoreOptions = {}) {
    const o = resolveStoreOptions(options)
    this.clock = this.#clock = o.clock
    this.#maxSize = o.maxSize
    this.#maxDeliveries = o.maxDeliveries
    this.limits = { maxSize: o.maxSize, maxDeliveries: o.maxDeliveries }
    this.#signal = new AvailabilitySignal(o.onError)
    this.#random = o.random
  }

  async ready(): Promise<void> {
    this.#open()
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#signal.clear()
  }

  async send(input: SendInput): Promise<SendResult> {
    const [result] = await this.sendBatch([input])
    return result!
  }

  async sendBatch(inputs: readonly SendInput[]): Promise<SendResult[]> {
    this.#open()
    const now = this.#clock.now()
    const prepared = prepareAll(inputs, { now, maxSize: this.#maxSize })
    return this.#store(prepared, now)
  }

  async sendMany(inputs: readonly SendInput[]): Promise<(SendResult | PandoraError)[]> {
    this.#open()
    const now = this.#clock.now()
    const prepared = await prepareEach(inputs, { now, maxSize: this.#maxSize })
    return storeEach(prepared, async (valid) => this.#store(valid, now))
  }

  #store(prepared: readonly PreparedMessage[], now: number): SendResult[] {
    this.#open()
    const shared = sharedBlobKeys(prepared)
    const results = prepared.map((p) => this.#enqueue(p, now, shared.has(p.blob)))
    const due = new Set(prepared.filter((_, i) => !results[i]!.duplicate).map((p) => p.receiver))
    for (const receiver of due) this.#signal.notify(receiver)
    return results
  }

  #enqueue(p: PreparedMessage, now: number, inBlobs: boolean): SendResult {
    if (this.#messages.has(p.mid)) return { mid: p.mid, duplicate: true }
    if (inBlobs) this.#addBlob(p.blob, p.shared)
    const rec: Rec = {
      mid: p.mid,
      sender: p.sender,
      receiver: p.receiver,
      status: Status.notDelivered,
      receivedAt: now,
      sendWhen: now + p.delay,
      visibleAt: now + p.delay,
      leasedUntil: null,
      lid: null,
      deliveryCount: 0,
      size: p.bytes.byteLength,
      failureReason: null,
      failedAt: null,
      priority: p.priority,
      blob: p.blob,
      body: inBlobs ? null : p.shared,
      seq: ++this.#seq,
      version: 0,
    }
    this.#messages.set(rec.mid, rec)
    const box = this.#mailbox(rec.receiver)
    box.all.set(rec.mid, rec)
    this.#schedule(box, rec)
    return { mid: rec.mid, duplicate: false }
  }

  async fetch(receiver: string, options: FetchOptions): Promise<LeasedMessage[]> {
    this.#open()
    const { receiver: name, leaseTime, max } = checkFetch(receiver, options)
    const box = this.#mailboxes.get(name)
    if (!box) return []
    const now = this.#clock.now()
    const policy = this.#policies.get(name)
    const maxDeliveries = maxDeliveriesOf(policy, this.#maxDeliveries)
    const out: LeasedMessage[] = []
    while (out.length < max) {
      const heap = this.#dueLevel(box, now)
      if (!heap) break
      const rec = heap.pop()!.item
      if (rec.lid !== null) {
        // Its lease ran out: record that failure now, as headers have shown it since.
        rec.status = statusWhenLeased(rec.status, true)
        if (rec.leasedUntil !== null) Object.assign(rec, expiredFailure(rec.leasedUntil))
        rec.lid = null
        rec.leasedUntil = null
      }
      if (isExhausted(rec.deliveryCount, maxDeliveries)) {
        rec.status = Status.dead
        rec.version++
        continue
      }
      rec.lid = newLeaseId()
      rec.leasedUntil = now + leaseTime
      rec.deliveryCount++
      rec.visibleAt = rec.leasedUntil + expiryDelay(policy, rec.deliveryCount, maxDeliveries, this.#random)
      this.#schedule(box, rec)
      // Unreadable: leased and counted, but left out (see leasedFields); the loop goes on to the next.
      const fields = leasedFields(rec.blob, this.#bytes(rec), rec.receiver)
      if (fields === undefined) continue
      out.push({ ...header(rec), lid: rec.lid, leasedUntil: rec.leasedUntil, fields })
    }
    return out
  }

  async ack(mid: string, lid: string, status: StatusCode, options?: AckOptions): Promise<void> {
    this.#open()
    this.#ack(checkAck(mid, lid, status, options))
  }

  async ackMany(items: readonly AckItem[]): Promise<(PandoraError | null)[]> {
    this.#open()
    return checkAcks(items).map((c) => {
      if (!c.ok) return c.error
      try {
        this.#ack(c.ack)
        return null
      } catch (error) {
        if (error instanceof PandoraError) return error
        throw error
      }
    })
  }

  #ack(a: ReturnType<typeof checkAck>): void {
    const rec = this.#leased(a.mid, a.lid)
    const box = this.#mailbox(rec.receiver)
    rec.lid = null
    rec.leasedUntil = null
    if (a.status === Status.confirmed) {
      rec.status = Status.confirmed
      rec.version++
      this.#letGo(rec)
      return
    }
    const now = this.#clock.now()
    const policy = this.#policies.get(rec.receiver)
    rec.failureReason = a.reason
    rec.failedAt = now
    if (isExhausted(rec.deliveryCount, maxDeliveriesOf(policy, this.#maxDeliveries))) {
      rec.status = Status.dead
      rec.version++
      return
    }
    rec.status = Status.rejected
    rec.visibleAt = now + rejectDelay(a.delay, policy, rec.deliveryCount, this.#random)
    this.#schedule(box, rec)
    this.#signal.notify(rec.receiver)
  }

  async renew(mid: string, lid: string, leaseTime: number): Promise<number> {
    this.#open()
    const r = checkRenew(mid, lid, leaseTime)
    const rec = this.#leased(r.mid, r.lid)
    // The backoff after an expiry, fixed when the lease was taken, stays the same gap.
    const gap = rec.visibleAt - rec.leasedUntil!
    rec.leasedUntil = this.#clock.now() + r.leaseTime
    rec.visibleAt = rec.leasedUntil + gap
    this.#schedule(this.#mailbox(rec.receiver), rec)
    return rec.leasedUntil
  }

  async headers(receiver: string, query?: HeadersQuery): Promise<MessageHeader[]> {
    this.#open()
    const q = checkHeaders(receiver, query)
    const out: MessageHeader[] = []
    // The map holds a mailbox's messages in arrival order; newest first walks it backwards.
    const all = this.#mailboxes.get(q.receiver)?.all.values() ?? []
    for (const rec of q.order === 'desc' ? [...all].reverse() : all) {
      if (rec.receivedAt < q.since) continue
      out.push(this.#header(rec))
      if (out.length >= q.limit) break
    }
    return out
  }

  async get(mid: string): Promise<StoredMessage | null> {
    this.#open()
    const rec = this.#messages.get(parseKey(mid))
    if (!rec) return null
    return { ...this.#header(rec), fields: this.#fields(rec) }
  }

  async stats(receiver: string): Promise<MailboxStats> {
    this.#open()
    const name = assertMailbox(receiver)
    return this.#stats(name, this.#mailboxes.get(name))
  }

  async mailboxes(): Promise<MailboxStats[]> {
    this.#open()
    return [...this.#mailboxes.entries()]
      .filter(([, box]) => box.all.size > 0)
      .map(([name, box]) => this.#stats(name, box))
      .sort(byReceiver)
  }

  async dead(receiver: string, limit = 100): Promise<MessageHeader[]> {
    this.#open()
    const q = checkHeaders(receiver, { limit })
    const out: MessageHeader[] = []
    // The map holds a mailbox's messages in arrival order; newest first walks it backwards.
    const all = this.#mailboxes.get(q.receiver)?.all.values() ?? []
    for (const rec of q.order === 'desc' ? [...all].reverse() : all) {
      if (rec.status !== Status.dead) continue
      out.push(header(rec))
      if (out.length >= q.limit) break
    }
    return out
  }

  async redrive(receiver: string, mids?: readonly string[]): Promise<number> {
    this.#open()
    const name = assertMailbox(receiver)
    const only = checkMids(mids)
    const box = this.#mailboxes.get(name)
    if (!box) return 0
    const now = this.#clock.now()
    const chosen = only
      ? only.map((m) => box.all.get(m)).filter((r) => r !== undefined)
      : [...box.all.values()]
    let count = 0
    for (const rec of chosen) {
      if (rec.status !== Status.dead) continue
      rec.status = Status.notDelivered
      rec.deliveryCount = 0
      rec.visibleAt = now
      this.#schedule(box, rec)
      count++
    }
    if (count > 0) this.#signal.notify(name)
    return count
  }

  async purge(receiver: string): Promise<number> {
    this.#open()
    const name = assertMailbox(receiver)
    const box = this.#mailboxes.get(name)
    if (!box) return 0
    for (const rec of box.all.values()) {
      this.#messages.delete(rec.mid)
      if (rec.status !== Status.confirmed) this.#letGo(rec)
    }
    const count = box.all.size
    this.#mailboxes.delete(name)
    return count
  }

  async retryPolicy(receiver: string): Promise<RetryPolicy> {
    this.#open()
    return structuredClone(this.#policies.get(assertMailbox(receiver)) ?? {})
  }

  async setRetryPolicy(receiver: string, policy: RetryPolicyInput): Promise<RetryPolicy> {
    this.#open()
    const name = assertMailbox(receiver)
    const checked = checkRetryPolicy(policy)
    if (Object.keys(checked).length === 0) this.#policies.delete(name)
    else this.#policies.set(name, checked)
    return structuredClone(checked)
  }

  onAvailable(listener: AvailabilityListener): () => void {
    return this.#signal.add(listener)
  }

  async nextDueIn(receiver: string): Promise<number | null> {
    this.#open()
    const box = this.#mailboxes.get(assertMailbox(receiver))
    let due: number | null = null
    for (const heap of box?.levels.values() ?? []) {
      const top = this.#top(heap)
      if (top && (due === null || top.due < due)) due = top.due
    }
    return due === null ? null : Math.max(0, due - this.#clock.now())
  }

  async putBlob(bytes: Uint8Array): Promise<string> {
    this.#open()
    if (!(bytes instanceof Uint8Array)) throw new PandoraError('nil_body')
    const key = await contentKey(bytes)
    this.#addBlob(key, bytes)
    return key
  }

  async getBlob(key: string): Promise<Uint8Array | null> {
    this.#open()
    const k = parseKey(key)
    const blob = this.#blobs.get(k)
    if (!blob) return null
    assertIntact(k, blob.bytes)
    return blob.bytes
  }

  async updateRefCount(key: string, delta: number): Promise<number> {
    this.#open()
    const k = parseKey(key)
    const d = assertDelta(delta)
    const blob = this.#blobs.get(k)
    if (!blob) return 0
    blob.refs += d
    return blob.refs
  }

  async collectBlobs(): Promise<number> {
    this.#open()
    let n = 0
    for (const [key, blob] of this.#blobs) {
      if (blob.refs <= 0) {
        this.#blobs.delete(key)
        n++
      }
    }
    return n
  }

  #open(): void {
    if (this.#closed) throw new PandoraError('store_closed')
  }

  #mailbox(name: string): Mailbox {
    let box = this.#mailboxes.get(name)
    if (!box) {
      box = { levels: new Map(), order: [], all: new Map() }
      this.#mailboxes.set(name, box)
    }
    return box
  }

  #schedule(box: Mailbox, rec: Rec): void {
    rec.version++
    let heap = box.levels.get(rec.priority)
    if (!heap) {
      heap = new DueHeap()
      box.levels.set(rec.priority, heap)
      box.order = [...box.levels.keys()].sort((a, b) => b - a)
    }
    heap.push({ due: rec.visibleAt, seq: rec.seq, version: rec.version, item: rec })
  }

  /** The highest priority level whose earliest message is due at `now`, if any. */
  #dueLevel(box: Mailbox, now: number): DueHeap<Rec> | undefined {
    for (const priority of box.order) {
      const heap = box.levels.get(priority)!
      const top = this.#top(heap)
      if (top && top.due <= now) return heap
    }
    return undefined
  }

  /** The earliest live entry of a heap, dropping stale ones on the way. */
  #top(heap: DueHeap<Rec>) {
    for (;;) {
      const top = heap.peek()
      if (!top) return undefined
      if (top.version === top.item.version && isActive(top.item)) return top
      heap.pop()
    }
  }

  #leased(mid: string, lid: string): Rec {
    return assertLeaseHolds(this.#messages.get(mid), lid, this.#clock.now())
  }

  #addBlob(key: string, bytes: Uint8Array): void {
    const blob = this.#blobs.get(key)
    if (blob) blob.refs++
    else this.#blobs.set(key, { bytes, refs: 1 })
  }

  #dropBlob(key: string): void {
    const blob = this.#blobs.get(key)
    if (!blob) return
    if (--blob.refs <= 0) this.#blobs.delete(key)
  }

  /**
   * The bytes this store holds for a message's body, inline or its blob's (the array itself, no
   * copy), so a test can damage them as a memory fault would; null when none. Keyed by a symbol
   * the package does not export: no method of the public class.
   */
  [heldBytes](mid: string): Uint8Array | null {
    const rec = this.#messages.get(mid)
    return rec === undefined ? null : this.#bytes(rec)
  }

  /** Lets go of a message's body: inline, or its reference to a shared blob. */
  #letGo(rec: Rec): void {
    if (rec.body === null) this.#dropBlob(rec.blob)
    rec.body = null
  }

  /** A message's body bytes, inline or its blob's; null once let go. */
  #bytes(rec: Rec): Uint8Array | null {
    if (rec.body !== null) return rec.body
    return rec.status === Status.confirmed ? null : (this.#blobs.get(rec.blob)?.bytes ?? null)
  }

  #fields(rec: Rec) {
    return verifiedFields(rec.blob, this.#bytes(rec), rec.receiver)
  }

  /** The header as seen now: an expired lease reads as `timeout`. */
  #header(rec: Rec): MessageHeader {
    return headerAt(header(rec), rec.lid !== null, this.#clock.now())
  }

  #stats(receiver: string, box: Mailbox | undefined): MailboxStats {
    const s = emptyStats(receiver)
    const now = this.#clock.now()
    for (const rec of box?.all.values() ?? []) s[countedState(rec, now)]++
    return s
  }
}

function header(rec: Rec): MessageHeader {
  return {
    mid: rec.mid,
    sender: rec.sender,
    receiver: rec.receiver,
    status: rec.status,
    receivedAt: rec.receivedAt,
    sendWhen: rec.sendWhen,
    leasedUntil: rec.leasedUntil,
    deliveryCount: rec.deliveryCount,
    size: rec.size,
    failureReason: rec.failureReason,
    failedAt: rec.failedAt,
    dueAt: isActive(rec) ? rec.visibleAt : null,
    priority: rec.priority,
  }
}

/**
 * Opens a store in memory: the same way every store is opened (`await openXStore(options)`), with
 * the options every store takes.
 *
 * @example
 * ```ts
 * import { openMemoryStore } from '@pandora/core'
 * const store = await openMemoryStore({ maxDeliveries: 5 })
 * ```
 * @throws PandoraError `invalid_input` for invalid options.
 */
export async function openMemoryStore(options: MemoryStoreOptions = {}): Promise<MemoryStore> {
  return new MemoryStore(options)
}
