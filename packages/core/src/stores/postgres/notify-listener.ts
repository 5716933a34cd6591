import type { Client } from 'pg'
import { quoteIdent } from './schema-name.js'

/** What the {@link NotifyListener} needs. */
export interface NotifyListenerOptions {
  /** Makes a new, unconnected client (one per connection attempt). */
  newClient(): Client
  /** The channel to LISTEN on. */
  channel: string
  /** Called with each notification's payload. */
  onNotify(payload: string): void
  /** Called once listening again after a dropped connection: notifications may have been missed. */
  onReconnect(): void
  /** Told about connection errors (they are retried, never thrown). */
  onError?(error: unknown): void
}

const FIRST_RETRY_MS = 100
const MAX_RETRY_MS = 5000

/**
 * One dedicated connection LISTENing on a channel. A pooled connection cannot listen (it is handed
 * to other queries), so this one stays apart; when it drops it reconnects with a growing pause.
 */
export class NotifyListener {
  readonly #options: NotifyListenerOptions
  #client: Client | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #retryMs = FIRST_RETRY_MS
  #closed = false

  constructor(options: NotifyListenerOptions) {
    this.#options = options
  }

  /** Connects and listens; rejects when the first attempt fails (later drops are retried). */
  async start(): Promise<void> {
    await this.#connect()
  }

  /** Stops listening and retrying. */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    const client = this.#client
    this.#client = undefined
    await client?.end().catch(() => {})
  }

  async #connect(): Promise<void> {
    const client = this.#options.newClient()
    let dropped = false
    const drop = (error?: unknown) => {
      if (dropped) return
      dropped = true
      if (error !== undefined) this.#options.onError?.(error)
      if (this.#client === client) {
        this.#client = undefined
        client.end().catch(() => {})
        this.#retry()
      }
    }
    client.on('error', drop)
    client.on('end', () => drop())
    client.on('notification', (msg) => {
      if (msg.channel === this.#options.channel) this.#options.onNotify(msg.payload ?? '')
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${quoteIdent(this.#options.channel)}`)
    } catch (error) {
      dropped = true
      await client.end().catch(() => {})
      throw error
    }
    if (this.#closed) {
      await client.end().catch(() => {})
      return
    }
    this.#client = client
    this.#retryMs = FIRST_RETRY_MS
  }

  #retry(): void {
    if (this.#closed || this.#timer !== undefined) return
    const wait = this.#retryMs
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (this.#closed) return
      this.#connect().then(
        () => {
          if (!this.#closed) this.#options.onReconnect()
        },
        (error: unknown) => {
          this.#options.onError?.(error)
          this.#retry()
        },
      )
    }, wait)
    // A pending reconnect alone should not keep the process alive.
    this.#timer.unref?.()
  }
}
