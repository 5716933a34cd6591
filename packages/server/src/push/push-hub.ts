import { GIVEN_BACK_REASON, type LeasedMessage, PandoraError, Status, type Store } from '@pandora/core'

/** Something the hub pushes leased messages to: one WebSocket subscription. */
export interface PushTarget {
  readonly receiver: string
  /** Lease length for the messages it takes, ms. */
  readonly leaseTime: number
  /** How many more messages it may take now (its credit), 0 while paused or full. */
  credit(): number
  /** Earliest end of a lease it holds (epoch ms), or null: when its credit comes back by itself. */
  nextExpiry(): number | null
  /** Takes freshly leased messages; returns those it could not take (to be given back). */
  deliver(messages: LeasedMessage[]): LeasedMessage[]
  /** The server took away the messages it holds leases on (a purge): forget them, tell the client. */
  revoke(reason: string): void
}

interface ReceiverState {
  targets: Set<PushTarget>
  waiters: Set<() => void>
  timer: ReturnType<typeof setTimeout> | undefined
  pumping: boolean
  again: boolean
  /** Rotates the first target served, so subscribers share the work. */
  turn: number
  /** Counts purges, so a fetch that overlapped one can tell. */
  revocations: number
}

const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Pushes messages to subscribers the moment they become available, with no polling loop per
 * subscriber: the store's availability signal (send, reject, redrive — across instances for shared
 * stores) kicks a receiver; for timed events (a delay ending, a lease expiring) the hub keeps ONE
 * timer per receiver, set from `store.nextDueIn`. Long-polling HTTP fetches wait on the same kicks.
 */
export class PushHub {
  readonly #store: Store
  readonly #onError: (error: unknown) => void
  readonly #receivers = new Map<string, ReceiverState>()
  readonly #off: () => void
  #closed = false

  constructor(store: Store, options: { onError?: (error: unknown) => void } = {}) {
    this.#store = store
    this.#onError = options.onError ?? (() => {})
    this.#off = store.onAvailable((receiver) => this.kick(receiver))
  }

  /** Starts pushing to `target`. */
  attach(target: PushTarget): void {
    this.#state(target.receiver).targets.add(target)
    this.kick(target.receiver)
  }

  /** Stops pushing to `target` (its leases are the caller's to give back). */
  detach(target: PushTarget): void {
    const state = this.#receivers.get(target.receiver)
    if (!state) return
    state.targets.delete(target)
    this.#release(target.receiver, state)
  }

  /** Number of attached targets, for metrics. */
  get size(): number {
    let n = 0
    for (const s of this.#receivers.values()) n += s.targets.size
    return n
  }

  /** Something may be due for `receiver`: serve its targets and wake its waiters. */
  kick(receiver: string): void {
    const state = this.#receivers.get(receiver)
    if (!state || this.#closed) return
    for (const wake of state.waiters) wake()
    state.waiters.clear()
    if (state.targets.size === 0) return
    if (state.pumping) {
      state.again = true
      return
    }
    void this.#pump(receiver, state)
  }

  /**
   * Resolves when `receiver` may have a due message, or after `ms`, whichever is first (for
   * long-polling fetches). Also resolves at once when the hub closes.
   */
  async waitFor(receiver: string, ms: number): Promise<void> {
    if (this.#closed || ms <= 0) return
    const state = this.#state(receiver)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        state.waiters.delete(done)
        resolve()
      }
      state.waiters.add(done)
      void this.#schedule(receiver, state)
    })
    this.#release(receiver, state)
  }

  /**
   * The messages of `receiver` were removed under their leases (`reason`: `purged`): each target
   * forgets the leases it holds, and its client is told, so the work on them can stop. Credit is
   * back, so the receiver is served again.
   */
  revoked(receiver: string, reason: string): void {
    const state = this.#receivers.get(receiver)
    if (!state) return
    state.revocations++
    for (const target of state.targets) target.revoke(reason)
    this.kick(receiver)
  }

  /**
   * Gives leases back at once (status rejected, an explicit delay 0 so no backoff applies, reason
   * `given back unprocessed`); stale ones are ignored.
   */
  async giveBack(leases: Iterable<{ mid: string; lid: string }>): Promise<void> {
    const giveBack = { delay: 0, reason: GIVEN_BACK_REASON }
    await Promise.all(
      [...leases].map((l) =>
        this.#store.ack(l.mid, l.lid, Status.rejected, giveBack).catch((error: unknown) => {
          if (
            !(
              error instanceof PandoraError &&
              (error.code === 'unable_to_change_status' || error.code === 'store_closed')
            )
          ) {
            this.#onError(error)
          }
        }),
      ),
    )
  }

  /** Stops every timer and wakes every waiter. */
  close(): void {
    this.#closed = true
    this.#off()
    for (const state of this.#receivers.values()) {
      clearTimeout(state.timer)
      for (const wake of state.waiters) wake()
    }
    this.#receivers.clear()
  }

  #state(receiver: string): ReceiverState {
    let state = this.#receivers.get(receiver)
    if (!state) {
      state = {
        targets: new Set(),
        waiters: new Set(),
        timer: undefined,
        pumping: false,
        again: false,
        turn: 0,
        revocations: 0,
      }
      this.#receivers.set(receiver, state)
    }
    return state
  }

  #release(receiver: string, state: ReceiverState): void {
    if (state.targets.size === 0 && state.waiters.size === 0 && !state.pumping) {
      clearTimeout(state.timer)
      this.#receivers.delete(receiver)
    }
  }

  async #pump(receiver: string, state: ReceiverState): Promise<void> {
    state.pumping = true
    try {
      do {
        state.again = false
        await this.#serve(receiver, state)
      } while (state.again && !this.#closed)
      await this.#schedule(receiver, state)
    } catch (error) {
      this.#onError(error)
      // Try again later rather than never: a store hiccup must not strand subscribers.
      if (!this.#closed) this.#setTimer(receiver, state, 1000)
    } finally {
      state.pumping = false
    }
    // A kick that landed while the timer was being set must not be lost.
    if (state.again && !this.#closed) this.kick(receiver)
    else this.#release(receiver, state)
  }

  /** Fills every target's credit from the store, round-robin, until the mailbox has nothing due. */
  async #serve(receiver: string, state: ReceiverState): Promise<void> {
    for (;;) {
      const targets = [...state.targets]
      if (targets.length === 0) return
      state.turn = (state.turn + 1) % targets.length
      let served = false
      for (let i = 0; i < targets.length; i++) {
        const target = targets[(state.turn + i) % targets.length]!
        const credit = target.credit()
        if (credit <= 0) continue
        const revocations = state.revocations
        let messages = await this.#store.fetch(receiver, { leaseTime: target.leaseTime, max: credit })
        // A purge that ran meanwhile may have removed what this fetch leased before anyone was told.
        if (state.revocations !== revocations) messages = await this.#existing(messages)
        if (messages.length === 0) return
        served = true
        const refused = state.targets.has(target) ? target.deliver(messages) : messages
        if (refused.length > 0) await this.giveBack(refused)
        if (messages.length < credit) return
      }
      if (!served) return
    }
  }

  /** The messages that are still stored. */
  async #existing(messages: LeasedMessage[]): Promise<LeasedMessage[]> {
    const stored = await Promise.all(messages.map((m) => this.#store.get(m.mid)))
    return messages.filter((_, i) => stored[i] !== null)
  }

  /** Sets the receiver's one timer: next due message if someone has credit, else next lease end. */
  async #schedule(receiver: string, state: ReceiverState): Promise<void> {
    if (this.#closed) return
    const hungry = state.waiters.size > 0 || [...state.targets].some((t) => t.credit() > 0)
    let delay: number | null = null
    if (hungry) {
      delay = await this.#store.nextDueIn(receiver)
    }
    // Lease ends come from the store, on its clock (the database's, for PostgreSQL).
    const now = this.#store.clock.now()
    for (const t of state.targets) {
      const expiry = t.nextExpiry()
      if (expiry !== null) delay = Math.min(delay ?? Number.POSITIVE_INFINITY, Math.max(0, expiry - now))
    }
    if (delay === null) {
      clearTimeout(state.timer)
      state.timer = undefined
      return
    }
    this.#setTimer(receiver, state, Math.max(delay, 1))
  }

  #setTimer(receiver: string, state: ReceiverState, delay: number): void {
    clearTimeout(state.timer)
    state.timer = setTimeout(
      () => {
        state.timer = undefined
        this.kick(receiver)
        if (state.targets.size === 0 && state.waiters.size === 0) this.#release(receiver, state)
      },
      Math.min(delay, MAX_TIMER_MS),
    )
    state.timer.unref?.()
  }
}
