/**
 * Model-based tests: fast-check generates sequences of send, fetch, ack, reject, renew, stale acks,
 * clock advances and restarts, runs them against every store and against a small in-memory model,
 * and checks after every step that the store's counts match the model's. At the end of each run
 * the clock jumps a day ahead and the mailboxes are drained: every message that was sent and not
 * confirmed must come back (nothing acknowledged is lost, no mailbox blocked), and every blob's
 * reference count must match the messages that still need it.
 *
 * Invariants checked: a send that returned is never lost; a stale, foreign or expired lid is
 * refused and changes nothing; a fetch never hands out a message under a live lease (at most one
 * valid lease per message) and never a lid seen before; refcounts match; no mailbox is blocked.
 *
 * Runs: `PANDORA_MODEL_RUNS` (default 1000, split over the stores). `PANDORA_MODEL_PROTO=0`
 * leaves out field names such as `constructor` and `__proto__` (for local checks only).
 *
 * Time: every store runs on a ManualClock (PostgreSQL decides on it instead of the database clock
 * when given one), so fetch order and lease ends are checked exactly. Leases, delays and clock steps
 * are multiples of 30 s all the same, so a store on a real clock (base null) could run the model too,
 * with its fetch order checked at that granularity.
 */
import { createHash, randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../clock.js'
import { PandoraError } from '../errors.js'
import { sendFanOut } from '../fan-out.js'
import { Status } from '../status.js'
import type { Store } from '../store.js'
import { MemoryStore } from './memory/memory-store.js'
import { openPostgresStore } from './postgres/index.js'
import { openSqliteStore } from './sqlite/index.js'

const TOTAL_RUNS = Number(process.env.PANDORA_MODEL_RUNS ?? 1000)
const WITH_PROTO_NAMES = process.env.PANDORA_MODEL_PROTO !== '0'
const MAX_DELIVERIES = 2
const MAX_SIZE = 4096
const STEP = 30_000
const CLIENT_TIME = '2024-01-01T00:00:00Z'

// ---------------------------------------------------------------------------------------------
// Generators

const PROTO_NAMES = [
  'constructor',
  '__proto__',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupGetter__',
  'prototype',
]
const fieldName = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
  { weight: WITH_PROTO_NAMES ? 4 : 0, arbitrary: fc.constantFrom(...PROTO_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom('', 'sender', 'receiver', 'clientTime', '\uD800', 'a&b=c', '+ %') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 260 }).map((n) => 'n'.repeat(n)) },
)
const fieldValue = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '__proto__', 'constructor', '\uDC00', '&=+%') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  // Near the 4096-byte limit once Pandora's own fields are added: some fit, some do not.
  { weight: 1, arbitrary: fc.integer({ min: 3900, max: 4096 }).map((n) => 'v'.repeat(n)) },
)
const fieldValues = fc.oneof(fieldValue, fc.array(fieldValue, { maxLength: 3 }))
/** Own properties only, `__proto__` included (Object.fromEntries defines, never sets a prototype). */
const fields = fc
  .array(fc.tuple(fieldName, fieldValues), { maxLength: 4 })
  .map((entries) => Object.fromEntries(entries) as Record<string, string | string[]>)

// ---------------------------------------------------------------------------------------------
// The model

type Life = 'active' | 'confirmed' | 'dead'
interface ModelMessage {
  mid: string
  receiver: string
  seq: number
  life: Life
  visibleAt: number
  lid: string | null
  leasedUntil: number | null
  deliveryCount: number
  priority: number
  /** Expected fields, as sorted entries. */
  fields: [string, string[]][]
  /** The body without its receiver: what its blob holds, shared with every message of that body. */
  shared: string
  /**
   * Stored as a reference to a shared blob: sent in a fan-out that stored it for more than one
   * recipient. Every other body is kept inline (see sharedBlobKeys) and counts on no blob.
   */
  inBlobs: boolean
}

interface Model {
  /** Time since the run started, ms. */
  now: number
  /** Unique to the run: runs share a store, and blobs are shared by body, whoever receives it. */
  sender: string
  receivers: string[]
  messages: Map<string, ModelMessage>
  /** Canonical body → mid, for idempotent sends. */
  bodies: Map<string, string>
  /** Every lease handed out this run, live or not. */
  leases: { mid: string; lid: string }[]
  lids: Set<string>
  seq: number
}

interface Real {
  store: Store
  /** Store time of the run's model time 0 (memory, SQLite); null when only relative (PostgreSQL). */
  base: number | null
  /** The store's clock, when the test drives it (memory, SQLite). */
  clockNow?: () => number
  advance(ms: number): void
  /** Closes the store and opens it again on the same data; absent for the memory store. */
  restart?: () => Promise<void>
  /** Direct audit of the stored rows of these mids: blobs and their counts. */
  auditRows?: (mids: string[]) => Promise<void>
}

const queryEscape = (s: string): string =>
  encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b))

type Expected =
  | { ok: true; fields: [string, string[]][]; body: string; shared: string }
  | { ok: false; code: string }

/** What a send of `input` should do, computed without Pandora's own code. */
function expectSend(input: Record<string, string | string[]>, sender: string, receiver: string): Expected {
  const out = new Map<string, string[]>()
  for (const [name, value] of Object.entries(input)) {
    const values = typeof value === 'string' ? [value] : value
    if (name.length === 0 || name.length > 255 || !name.isWellFormed())
      return { ok: false, code: 'invalid_input' }
    if (values.some((v) => !v.isWellFormed())) return { ok: false, code: 'invalid_input' }
    if (values.length > 0) out.set(name, [...values])
  }
  out.set('sender', [sender])
  out.set('clientTime', [CLIENT_TIME])
  const encode = (entries: [string, string[]][]) =>
    entries.flatMap(([k, vs]) => vs.map((v) => `${queryEscape(k)}=${queryEscape(v)}`)).join('&')
  out.set('receiver', [receiver])
  const sorted = [...out.entries()].sort(([a], [b]) => byUtf8(a, b))
  const body = encode(sorted)
  // Without the receiver Pandora set, which also replaced any `receiver` field the sender gave.
  const shared = encode(sorted.filter(([name]) => name !== 'receiver'))
  if (Buffer.byteLength(body) > MAX_SIZE) return { ok: false, code: 'message_too_big' }
  return { ok: true, fields: sorted, body, shared }
}

/** Fields as sorted entries, whatever shape the store returns (plain or null-prototype object, Map). */
function entriesOf(value: unknown): [string, string[]][] {
  const entries: [string, string[]][] =
    value instanceof Map ? [...value.entries()] : Object.entries(value as Record<string, string[]>)
  return entries.map(([k, v]): [string, string[]] => [k, [...v]]).sort(([a], [b]) => byUtf8(a, b))
}

async function codeOf(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise
    return null
  } catch (error) {
    if (error instanceof PandoraError) return error.code
    throw error
  }
}

const isLive = (m: ModelMessage, now: number): boolean =>
  m.life === 'active' && m.lid !== null && m.leasedUntil !== null && m.leasedUntil > now

function dueList(model: Model, receiver: string): ModelMessage[] {
  return [...model.messages.values()]
    .filter((m) => m.receiver === receiver && m.life === 'active' && m.visibleAt <= model.now)
    .sort((a, b) => b.priority - a.priority || a.visibleAt - b.visibleAt || a.seq - b.seq)
}

function expectedStats(model: Model, receiver: string) {
  const s = { receiver, pending: 0, leased: 0, delayed: 0, dead: 0, confirmed: 0 }
  for (const m of model.messages.values()) {
    if (m.receiver !== receiver) continue
    if (m.life === 'confirmed') s.confirmed++
    else if (m.life === 'dead') s.dead++
    else if (isLive(m, model.now)) s.leased++
    else if (m.visibleAt > model.now) s.delayed++
    else s.pending++
  }
  return s
}

async function checkStats(model: Model, real: Real): Promise<void> {
  for (const receiver of model.receivers) {
    expect(await real.store.stats(receiver), `stats of ${receiver}`).toEqual(expectedStats(model, receiver))
  }
}

/**
 * Each blob's count equals the messages that still need it: every message stored in the blobs with
 * the same body (its receiver aside) refers to one blob, until it is confirmed; a body kept inline
 * counts on none.
 */
async function auditRefs(model: Model, real: Real): Promise<void> {
  const needed = new Map<string, number>()
  for (const m of model.messages.values()) {
    const counts = m.inBlobs && m.life !== 'confirmed'
    needed.set(m.shared, (needed.get(m.shared) ?? 0) + (counts ? 1 : 0))
  }
  for (const [shared, count] of needed) {
    const key = createHash('sha1').update(shared).digest('hex')
    expect(await real.store.updateRefCount(key, 0), `refcount of ${key}`).toBe(count)
  }
  await real.auditRows?.([...model.messages.keys()])
}

// ---------------------------------------------------------------------------------------------
// Commands

/** How often each command and outcome ran (printed with PANDORA_MODEL_TALLY=1). */
const tally = new Map<string, number>()
const note = (key: string, n = 1): void => {
  tally.set(key, (tally.get(key) ?? 0) + n)
}

type Cmd = fc.AsyncCommand<Model, Real>

class SendCmd implements Cmd {
  constructor(
    readonly box: number,
    readonly fields: Record<string, string | string[]>,
    readonly delay: number,
    readonly priority: number,
    /** Sent to every mailbox of the run at once (a fan-out) instead of to `box` alone. */
    readonly fanOut: boolean,
  ) {}
  check = () => true
  async run(model: Model, real: Real): Promise<void> {
    const common = {
      sender: model.sender,
      fields: this.fields,
      delay: this.delay,
      clientTime: CLIENT_TIME,
      priority: this.priority,
    }
    if (!this.fanOut) {
      const receiver = model.receivers[this.box % model.receivers.length]!
      const expected = expectSend(this.fields, model.sender, receiver)
      const outcome = await real.store.send({ ...common, receiver }).catch((e: unknown) => e)
      this.record(model, receiver, expected, outcome, false)
      return
    }
    const results = await sendFanOut(real.store, { ...common, receivers: model.receivers })
    expect(results).toHaveLength(model.receivers.length)
    note('fan-out')
    const expected = model.receivers.map((receiver) => expectSend(this.fields, model.sender, receiver))
    // The body goes to the blobs when the batch carries it for more than one message.
    const inBlobs = expected.filter((e) => e.ok).length > 1
    for (const [i, receiver] of model.receivers.entries()) {
      this.record(model, receiver, expected[i]!, results[i], inBlobs)
    }
  }
  /** Checks one receiver's outcome (a result, or the error it failed with) and updates the model. */
  record(model: Model, receiver: string, expected: Expected, outcome: unknown, inBlobs: boolean): void {
    if (!expected.ok) {
      expect(outcome instanceof PandoraError ? outcome.code : outcome).toBe(expected.code)
      note(`send refused: ${expected.code}`)
      return
    }
    if (!(outcome && typeof outcome === 'object' && 'mid' in outcome)) throw outcome
    const result = outcome as { mid: string; duplicate: boolean }
    const known = model.bodies.get(expected.body)
    if (known !== undefined) {
      expect(result).toEqual({ mid: known, duplicate: true })
      note('send duplicate')
      return
    }
    expect(result.duplicate).toBe(false)
    note('send stored')
    expect(model.messages.has(result.mid)).toBe(false)
    model.bodies.set(expected.body, result.mid)
    model.messages.set(result.mid, {
      mid: result.mid,
      receiver,
      seq: ++model.seq,
      life: 'active',
      visibleAt: model.now + this.delay,
      lid: null,
      leasedUntil: null,
      deliveryCount: 0,
      priority: this.priority,
      fields: expected.fields,
      shared: expected.shared,
      inBlobs,
    })
  }
  toString = () =>
    `${this.fanOut ? 'fanOut' : `send(${this.box}`}, ${JSON.stringify(this.fields).slice(0, 80)}, delay ${this.delay}, priority ${this.priority})`
}

class FetchCmd implements Cmd {
  constructor(
    readonly box: number,
    readonly max: number,
    readonly leaseTime: number,
  ) {}
  check = () => true
  async run(model: Model, real: Real): Promise<void> {
    const receiver = model.receivers[this.box % model.receivers.length]!
    const due = dueList(model, receiver)
    const got = await real.store.fetch(receiver, { leaseTime: this.leaseTime, max: this.max })
    const eligible = due.filter((m) => m.deliveryCount < MAX_DELIVERIES)
    expect(got.length, 'fetch leases as many as are due, up to max').toBe(Math.min(this.max, eligible.length))
    const gotMids = new Set(got.map((m) => m.mid))
    for (const m of got)
      expect(
        eligible.some((e) => e.mid === m.mid),
        'only due messages',
      ).toBe(true)
    if (real.base !== null) {
      // Exact clock: the oldest due first, exactly as the model says.
      expect(
        got.map((m) => m.mid),
        'due order',
      ).toEqual(eligible.slice(0, this.max).map((m) => m.mid))
    } else if (got.length > 0) {
      // Database clock: order checked at the model's 30 s granularity.
      const latest = Math.max(...got.map((m) => model.messages.get(m.mid)!.visibleAt))
      for (const e of eligible) if (!gotMids.has(e.mid)) expect(e.visibleAt).toBeGreaterThanOrEqual(latest)
    }
    // Dead-lettering: a due message out of deliveries that the fetch reached is dead now.
    const lastLeased = got.at(-1)
    const reached = (m: ModelMessage): boolean =>
      got.length < this.max ||
      (real.base !== null &&
        lastLeased !== undefined &&
        due.indexOf(m) < due.findIndex((d) => d.mid === lastLeased.mid))
    for (const m of due) {
      if (m.deliveryCount < MAX_DELIVERIES) continue
      const status = (await real.store.get(m.mid))?.status
      if (reached(m)) expect(status, `${m.mid} is dead`).toBe(Status.dead)
      if (status === Status.dead) {
        note('dead-lettered by fetch')
        m.life = 'dead'
        m.lid = null
        m.leasedUntil = null
      }
    }
    note('messages leased', got.length)
    for (const leased of got) {
      const m = model.messages.get(leased.mid)!
      expect(model.lids.has(leased.lid), 'a fresh lid').toBe(false)
      expect(leased.deliveryCount).toBe(m.deliveryCount + 1)
      expect(entriesOf(leased.fields)).toEqual(m.fields)
      if (real.base !== null) expect(leased.leasedUntil).toBe(real.base + model.now + this.leaseTime)
      m.lid = leased.lid
      m.leasedUntil = model.now + this.leaseTime
      m.visibleAt = m.leasedUntil
      m.deliveryCount++
      model.lids.add(leased.lid)
      model.leases.push({ mid: leased.mid, lid: leased.lid })
    }
  }
  toString = () => `fetch(${this.box}, max ${this.max}, lease ${this.leaseTime})`
}

class AckCmd implements Cmd {
  constructor(
    readonly pick: number,
    readonly status: 1 | 2,
    readonly delay: number,
  ) {}
  check = (model: Readonly<Model>) => model.leases.length > 0
  async run(model: Model, real: Real): Promise<void> {
    const { mid, lid } = model.leases[this.pick % model.leases.length]!
    const m = model.messages.get(mid)!
    const valid = isLive(m, model.now) && m.lid === lid
    const code = await codeOf(
      real.store.ack(mid, lid, this.status === 1 ? Status.confirmed : Status.rejected, { delay: this.delay }),
    )
    if (!valid) {
      expect(code, 'a stale or expired lid is refused').toBe('unable_to_change_status')
      note('ack refused (stale/expired lid)')
      return
    }
    expect(code).toBeNull()
    note('ack accepted')
    m.lid = null
    m.leasedUntil = null
    if (this.status === 1) m.life = 'confirmed'
    else if (m.deliveryCount >= MAX_DELIVERIES) m.life = 'dead'
    else m.visibleAt = model.now + this.delay
  }
  toString = () => `${this.status === 1 ? 'confirm' : `reject(delay ${this.delay})`}(#${this.pick})`
}

class RenewCmd implements Cmd {
  constructor(
    readonly pick: number,
    readonly leaseTime: number,
  ) {}
  check = (model: Readonly<Model>) => model.leases.length > 0
  async run(model: Model, real: Real): Promise<void> {
    const { mid, lid } = model.leases[this.pick % model.leases.length]!
    const m = model.messages.get(mid)!
    const valid = isLive(m, model.now) && m.lid === lid
    const result = real.store.renew(mid, lid, this.leaseTime)
    if (!valid) {
      expect(await codeOf(result), 'a stale or expired lid cannot renew').toBe('unable_to_change_status')
      return
    }
    const until = await result
    if (real.base !== null) expect(until).toBe(real.base + model.now + this.leaseTime)
    m.leasedUntil = model.now + this.leaseTime
    m.visibleAt = m.leasedUntil
  }
  toString = () => `renew(#${this.pick}, ${this.leaseTime})`
}

class ForeignLidCmd implements Cmd {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.messages.size > 0
  async run(model: Model, real: Real): Promise<void> {
    const mids = [...model.messages.keys()]
    const mid = mids[this.pick % mids.length]!
    const lid = randomBytes(20).toString('hex')
    expect(await codeOf(real.store.ack(mid, lid, Status.confirmed))).toBe('unable_to_change_status')
    expect(await codeOf(real.store.renew(mid, lid, 60_000))).toBe('unable_to_change_status')
  }
  toString = () => `foreign lid(#${this.pick})`
}

class AdvanceCmd implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true
  async run(model: Model, real: Real): Promise<void> {
    model.now += this.ms
    real.advance(this.ms)
  }
  toString = () => `advance(${this.ms})`
}

class RestartCmd implements Cmd {
  check = () => true
  async run(model: Model, real: Real): Promise<void> {
    await real.restart?.()
    await auditRefs(model, real)
  }
  toString = () => 'restart'
}

const send = fc
  .tuple(
    fc.nat(1),
    fields,
    fc.constantFrom(0, 0, 0, 60_000, 120_000),
    fc.constantFrom(0, 0, 0, 1, 5, -2, 10, -10),
    fc.boolean(),
  )
  .map(([box, f, delay, priority, fanOut]) => new SendCmd(box, f, delay, priority, fanOut && box === 0))
const fetch = fc
  .tuple(fc.nat(1), fc.integer({ min: 1, max: 4 }), fc.constantFrom(60_000, 120_000))
  .map(([box, max, lease]) => new FetchCmd(box, max, lease))
const ack = fc
  .tuple(fc.nat(), fc.constantFrom<1 | 2>(1, 1, 2), fc.constantFrom(0, 0, 60_000))
  .map(([pick, status, delay]) => new AckCmd(pick, status, delay))
const renew = fc
  .tuple(fc.nat(), fc.constantFrom(60_000, 120_000))
  .map(([pick, lease]) => new RenewCmd(pick, lease))
const advance = fc.constantFrom(STEP, 2 * STEP, 4 * STEP, 20 * STEP).map((ms) => new AdvanceCmd(ms))
/** The commands; an arbitrary listed twice is picked twice as often. */
const commands = (restartable: boolean) => [
  send,
  send,
  send,
  fetch,
  fetch,
  fetch,
  ack,
  ack,
  renew,
  advance,
  advance,
  fc.nat().map((pick) => new ForeignLidCmd(pick)),
  ...(restartable ? [fc.constant(new RestartCmd())] : []),
]

// ---------------------------------------------------------------------------------------------
// The property, for one store

interface StoreUnderTest {
  /** A store and its controls; mailboxes are unique to each run, so runs may share one store. */
  real: Real
  restartable: boolean
}

let runNo = 0
async function runModel(sut: StoreUnderTest, numRuns: number): Promise<void> {
  const { real } = sut
  await fc.assert(
    fc.asyncProperty(
      fc.commands(commands(sut.restartable), { maxCommands: 40, size: 'large' }),
      async (cmds) => {
        const tag = `${Date.now().toString(36)}-${++runNo}`
        const model: Model = {
          now: 0,
          sender: `sender-${tag}@model`,
          receivers: [`a-${tag}@model`, `b-${tag}@model`, `ü-${tag}@модель`],
          messages: new Map(),
          bodies: new Map(),
          leases: [],
          lids: new Set(),
          seq: 0,
        }
        real.base = real.clockNow ? real.clockNow() : null
        const setup = () => ({ model, real })
        await fc.asyncModelRun(setup, [...cmds].map(withStatsCheck))
        await auditRefs(model, real)
        await drain(model, real)
        await auditRefs(model, real)
      },
    ),
    { numRuns },
  )
}

/** Wraps a command so the store's counts are compared with the model's after it. */
function withStatsCheck(cmd: Cmd): Cmd {
  return {
    check: (m) => cmd.check(m),
    run: async (model, real) => {
      await cmd.run(model, real)
      await checkStats(model, real)
      note(cmd.toString().split(/[(#]/)[0] ?? '')
    },
    toString: () => cmd.toString(),
  }
}

/** A day later every lease and delay is over: every message not confirmed comes back, in order. */
async function drain(model: Model, real: Real): Promise<void> {
  const day = 24 * 3_600_000
  model.now += day
  real.advance(day)
  for (const receiver of model.receivers) {
    const expected = dueList(model, receiver)
    const back: string[] = []
    for (let round = 0; round < 100; round++) {
      const got = await real.store.fetch(receiver, { leaseTime: 60_000, max: 256 })
      if (got.length === 0) break
      for (const m of got) {
        await real.store.ack(m.mid, m.lid, Status.confirmed)
        back.push(m.mid)
      }
    }
    const deliverable = expected.filter((m) => m.deliveryCount < MAX_DELIVERIES)
    expect(back.sort(), `every unconfirmed message of ${receiver} comes back`).toEqual(
      deliverable.map((m) => m.mid).sort(),
    )
    note('drained', back.length)
    for (const m of expected) {
      m.life = m.deliveryCount < MAX_DELIVERIES ? 'confirmed' : 'dead'
      m.lid = null
      m.leasedUntil = null
    }
    const stats = await real.store.stats(receiver)
    expect(stats).toEqual(expectedStats(model, receiver))
    expect(stats.pending + stats.leased + stats.delayed, `${receiver} is empty`).toBe(0)
  }
}

// ---------------------------------------------------------------------------------------------
// The stores

const share = (fraction: number) => Math.max(1, Math.round(TOTAL_RUNS * fraction))

const url = process.env.PANDORA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const admin = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 3000 })
admin.on('error', () => {})
const reachable = await admin.query('SELECT 1').then(
  () => true,
  () => false,
)
if (!reachable && process.env.CI !== 'true') {
  console.warn(
    `store model tests on PostgreSQL SKIPPED: no PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')}`,
  )
}

describe('store model', () => {
  it('memory - a store follows the model through generated operations', { timeout: 600_000 }, async () => {
    const clock = new ManualClock()
    const real: Real = {
      store: new MemoryStore({ clock, maxDeliveries: MAX_DELIVERIES, maxSize: MAX_SIZE }),
      base: 0,
      clockNow: () => clock.now(),
      advance: (ms) => clock.advance(ms),
    }
    await runModel({ real, restartable: false }, share(0.55))
  })

  it('sqlite - a store follows the model, restarts included', { timeout: 600_000 }, async () => {
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = mkdtempSync(join(tmpdir(), 'pandora-model-'))
    const path = join(dir, 'model.db')
    const clock = new ManualClock()
    const open = () => openSqliteStore({ path, clock, maxDeliveries: MAX_DELIVERIES, maxSize: MAX_SIZE })
    const real: Real = {
      store: await open(),
      base: 0,
      clockNow: () => clock.now(),
      advance: (ms) => clock.advance(ms),
      restart: async () => {
        await real.store.close()
        real.store = await open()
      },
      auditRows: async (mids) => {
        const db = new Database(path, { readonly: true })
        try {
          const message = db.prepare(
            `SELECT m.status, m.in_blobs, m.body IS NOT NULL AS inline, b.refs
              FROM messages m LEFT JOIN blobs b ON b.key = m.blob WHERE m.mid = ?`,
          )
          for (const mid of mids) {
            const row = message.get(mid) as
              | { status: number; in_blobs: number; inline: number; refs: number | null }
              | undefined
            expect(row, `row of ${mid}`).toBeDefined()
            if (row!.status === Status.confirmed) expect(row!.inline, `body of ${mid} kept`).toBe(0)
            else if (row!.in_blobs === 1) expect(row!.refs, `blob of ${mid}`).toBeGreaterThan(0)
            else expect(row!.inline, `inline body of ${mid}`).toBe(1)
          }
          const orphans = db
            .prepare(
              `SELECT count(*) AS n FROM blobs b WHERE b.refs <> (SELECT count(*) FROM messages m
                WHERE m.blob = b.key AND m.status <> 1 AND m.in_blobs = 1)`,
            )
            .get() as { n: number }
          expect(orphans.n, 'blobs whose count differs from their messages').toBe(0)
        } finally {
          db.close()
        }
      },
    }
    try {
      await real.store.ready()
      await runModel({ real, restartable: true }, share(0.3))
    } finally {
      await real.store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  afterAll(() => {
    if (process.env.PANDORA_MODEL_TALLY) console.log(Object.fromEntries(tally))
    return admin.end()
  })

  it.skipIf(!reachable && process.env.CI !== 'true')(
    'postgres - a store follows the model, restarts included',
    { timeout: 600_000 },
    async () => {
      const schema = `pandora_model_${randomBytes(6).toString('hex')}`
      const clock = new ManualClock()
      const open = () =>
        openPostgresStore({
          connectionString: url,
          schema,
          poolSize: 2,
          clock,
          maxDeliveries: MAX_DELIVERIES,
          maxSize: MAX_SIZE,
        })
      const real: Real = {
        store: await open(),
        base: 0,
        clockNow: () => clock.now(),
        advance: (ms) => clock.advance(ms),
        restart: async () => {
          await real.store.close()
          real.store = await open()
        },
        auditRows: async (mids) => {
          const { rows } = await admin.query<{
            mid: string
            status: number
            in_blobs: boolean
            inline: boolean
            refs: string | null
          }>(
            `SELECT m.mid, m.status, m.in_blobs, m.body IS NOT NULL AS inline, b.refs
              FROM "${schema}".messages m LEFT JOIN "${schema}".blobs b ON b.key = m.blob WHERE m.mid = ANY($1)`,
            [mids],
          )
          expect(rows.length).toBe(mids.length)
          for (const r of rows) {
            if (r.status === 1) expect(r.inline, `body of ${r.mid} kept`).toBe(false)
            else if (r.in_blobs) expect(Number(r.refs ?? 0), `blob of ${r.mid}`).toBeGreaterThan(0)
            else expect(r.inline, `inline body of ${r.mid}`).toBe(true)
          }
          const { rows: bad } = await admin.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "${schema}".blobs b WHERE b.refs <> (SELECT count(*) FROM
              "${schema}".messages m WHERE m.blob = b.key AND m.status <> 1 AND m.in_blobs)`,
          )
          expect(bad[0]?.n, 'blobs whose count differs from their messages').toBe(0)
        },
      }
      try {
        await runModel({ real, restartable: true }, share(0.15))
      } finally {
        await real.store.close()
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      }
    },
  )
})
