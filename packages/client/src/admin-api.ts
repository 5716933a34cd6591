import type { PolicyResponse, WireRetryPolicy } from '@pandora/core'
import {
  countResponseMini,
  headersResponseMini,
  mailboxesResponseMini,
  mailboxStatsMini,
  policyResponseMini,
  storedMessageMini,
} from '@pandora/core/protocol'
import { mailboxPath, messagePath, plainPath } from './api-paths.js'
import type { HeadersOptions, MailboxStats } from './client-options.js'
import { FieldMap } from './field-map.js'
import type { HttpApi, ReplySchema } from './http-api.js'
import { headerFromWire, type MessageRecord, type MessageSummary } from './message.js'

/** Options every admin call takes. */
interface SignalOption {
  signal?: AbortSignal
}

/**
 * The admin calls of the JSON API: counts, headers, one stored message, dead letters, redrive and
 * purge. {@link PandoraClient} exposes each as a method of the same name.
 */
export class AdminApi {
  readonly #http: HttpApi

  constructor(http: HttpApi) {
    this.#http = http
  }

  /** Counts of every mailbox. */
  async mailboxes(options: SignalOption = {}): Promise<MailboxStats[]> {
    const r = await this.#get(plainPath('mailboxes'), mailboxesResponseMini, options.signal)
    return r.mailboxes
  }

  /** Counts of one mailbox. */
  stats(receiver: string, options: SignalOption = {}): Promise<MailboxStats> {
    return this.#get(mailboxPath('stats', receiver), mailboxStatsMini, options.signal)
  }

  /** Headers of a mailbox's messages, oldest received first (newest first with `order: 'desc'`). */
  async headers(receiver: string, options: HeadersOptions = {}): Promise<MessageSummary[]> {
    const base = mailboxPath('headers', receiver)
    const query = new URLSearchParams()
    if (options.since !== undefined) {
      query.set('since', typeof options.since === 'string' ? options.since : options.since.toISOString())
    }
    if (options.limit !== undefined) query.set('limit', String(options.limit))
    if (options.order !== undefined) query.set('order', options.order)
    const qs = query.size > 0 ? `?${query}` : ''
    const r = await this.#get(`${base}${qs}`, headersResponseMini, options.signal)
    return r.headers.map(headerFromWire)
  }

  /** One stored message with its body (null once collected); `not_found` when the mid is unknown. */
  async getMessage(mid: string, options: SignalOption = {}): Promise<MessageRecord> {
    const w = await this.#get(messagePath('message', mid), storedMessageMini, options.signal)
    return { ...headerFromWire(w), fields: w.fields === null ? null : new FieldMap(w.fields) }
  }

  /** Headers of a mailbox's dead letters. */
  async dead(receiver: string, options: { limit?: number } & SignalOption = {}): Promise<MessageSummary[]> {
    const base = mailboxPath('dead', receiver)
    const qs = options.limit === undefined ? '' : `?limit=${options.limit}`
    const r = await this.#get(`${base}${qs}`, headersResponseMini, options.signal)
    return r.headers.map(headerFromWire)
  }

  /** Makes dead letters deliverable again (all of the mailbox's, or only `mids`); resolves with how many. */
  async redrive(receiver: string, mids?: readonly string[], options: SignalOption = {}): Promise<number> {
    const path = mailboxPath('redrive', receiver)
    const body = mids === undefined ? {} : { mids: [...mids] }
    const r = await this.#http.call({
      method: 'POST',
      path,
      body,
      schema: countResponseMini,
      signal: options.signal,
    })
    return r.count
  }

  /** Deletes every message of a mailbox; resolves with how many. */
  async purge(receiver: string, options: SignalOption = {}): Promise<number> {
    const r = await this.#http.call({
      method: 'DELETE',
      path: mailboxPath('purge', receiver),
      schema: countResponseMini,
      signal: options.signal,
    })
    return r.count
  }

  /** The retry policy of a mailbox, and the `maxDeliveries` in force there. */
  retryPolicy(receiver: string, options: SignalOption = {}): Promise<PolicyResponse> {
    return this.#get(mailboxPath('policy', receiver), policyResponseMini, options.signal)
  }

  /**
   * Replaces the retry policy of a mailbox (`{}` removes it); resolves with it as stored, the
   * backoff's defaults filled in. A bad policy is `invalid_policy`.
   */
  setRetryPolicy(
    receiver: string,
    policy: WireRetryPolicy,
    options: SignalOption = {},
  ): Promise<PolicyResponse> {
    return this.#http.call({
      method: 'PUT',
      path: mailboxPath('setPolicy', receiver),
      body: policy,
      schema: policyResponseMini,
      signal: options.signal,
      idempotent: true,
    })
  }

  #get<T>(path: string, schema: ReplySchema<T>, signal: AbortSignal | undefined): Promise<T> {
    return this.#http.call({ method: 'GET', path, schema, signal, idempotent: true })
  }
}
