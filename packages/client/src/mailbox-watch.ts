import type { WatchEvent } from '@pandora/core'
import { PandoraError } from '@pandora/core/protocol'
import type { MailboxStats } from './client-options.js'
import type { Connection } from './connection.js'

/**
 * Where a {@link MailboxWatch} stands: `connecting` (waiting for the socket or the server's
 * answer), `live` (changes arrive as they happen), `down` (the socket dropped; it watches again by
 * itself once the client reconnects), `refused` (the server said no — a token without admin
 * rights, a server without the stream — or the connection failed for good; final), `closed`.
 */
export type WatchState = 'connecting' | 'live' | 'down' | 'refused' | 'closed'

/** What a watch hands its handler. */
export interface WatchChange {
  /**
   * True for the counts as the watch starts, and again each time it starts over after a
   * reconnect: `mailboxes` then lists every mailbox that holds a message (or the one watched),
   * and replaces whatever you had. False for a change: only the mailboxes that changed.
   */
  snapshot: boolean
  /** Latest counts, as `GET /v1/mailboxes` gives them. */
  mailboxes: MailboxStats[]
  /** What happened to which messages since the last change (`sent`, `leased`, `acked`, …). */
  events: WatchEvent[]
}

/** Options of {@link PandoraClient.watch}. */
export interface WatchOptions {
  /** Watch only this mailbox (default: every mailbox). */
  receiver?: string
  /** Told each time the watch's state changes; `error` says why it went `down` or `refused`. */
  onState?: (state: WatchState, error?: PandoraError) => void
}

/** What a {@link MailboxWatch} needs of its client. */
export interface WatchHost {
  connection(): Connection
  /** The watch closed: the client may start another. */
  release(watch: MailboxWatch): void
  /** True while the client has a watch (a later one, once this one closed). */
  watching(): boolean
  reportError(error: unknown): void
}

/**
 * The client's side of the admin event stream: sends `watch` whenever the socket (re)opens, hands
 * the snapshot and then each `changes` frame to the handler, and follows the socket's state.
 */
export class MailboxWatch {
  readonly receiver: string | undefined
  readonly #handler: (change: WatchChange) => void
  readonly #onState: ((state: WatchState, error?: PandoraError) => void) | undefined
  readonly #host: WatchHost
  #state: WatchState = 'connecting'
  /** Changes that came before the answer to the pending `watch` was handled. */
  #early: WatchChange[] | undefined

  constructor(handler: (change: WatchChange) => void, options: WatchOptions, host: WatchHost) {
    this.receiver = options.receiver
    this.#handler = handler
    this.#onState = options.onState
    this.#host = host
  }

  get state(): WatchState {
    return this.#state
  }

  /** The socket is open (first time or after a reconnect): asks the server to watch. */
  start(): void {
    if (this.#state === 'closed' || this.#state === 'refused') return
    this.#set('connecting')
    this.#early = []
    this.#host
      .connection()
      .request({ type: 'watch', ...(this.receiver !== undefined ? { receiver: this.receiver } : {}) })
      .then(
        (reply) => {
          const early = this.#early ?? []
          this.#early = undefined
          if (reply.type !== 'watching') return
          if (this.#state === 'closed') {
            // Closed while the server was starting it: stop it there too, unless a newer watch
            // (which replaced it on the server) is now the client's.
            const connection = this.#host.connection()
            if (connection.state === 'open' && !this.#host.watching())
              connection.request({ type: 'unwatch' }).catch(() => {})
            return
          }
          if (this.#state !== 'connecting') return
          this.#set('live')
          this.#deliver({ snapshot: true, mailboxes: reply.mailboxes, events: [] })
          for (const change of early) this.#deliver(change)
        },
        (error: unknown) => {
          this.#early = undefined
          const e = error instanceof PandoraError ? error : new PandoraError('internal', String(error))
          if (this.#state === 'closed') return
          // A drop is followed by a reconnect, which watches again; anything else is the server's no.
          if (e.code === 'connection_lost' || e.code === 'timeout') this.#set('down', e)
          else this.#set('refused', e)
        },
      )
  }

  /** A `changes` frame. */
  changes(mailboxes: MailboxStats[], events: WatchEvent[]): void {
    const change = { snapshot: false, mailboxes, events }
    if (this.#early) this.#early.push(change)
    else if (this.#state === 'live') this.#deliver(change)
  }

  /** The socket dropped (it will reconnect), or failed for good. */
  dropped(error: PandoraError, final: boolean): void {
    if (this.#state === 'closed' || this.#state === 'refused') return
    this.#set(final ? 'refused' : 'down', error)
  }

  /** Stops watching; the server stops sending changes to this socket. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return
    const wasLive = this.#state === 'live'
    this.#set('closed')
    this.#host.release(this)
    const connection = this.#host.connection()
    if (wasLive && connection.state === 'open') await connection.request({ type: 'unwatch' }).catch(() => {})
  }

  #deliver(change: WatchChange): void {
    try {
      this.#handler(change)
    } catch (error) {
      this.#host.reportError(error)
    }
  }

  #set(state: WatchState, error?: PandoraError): void {
    if (this.#state === state) return
    this.#state = state
    try {
      this.#onState?.(state, error)
    } catch (e) {
      this.#host.reportError(e)
    }
  }
}
