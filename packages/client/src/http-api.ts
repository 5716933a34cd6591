import { PandoraError } from '@pandora/core'
import { backoffDelay } from './backoff.js'
import { problemToError } from './problem.js'

/** The `fetch` function the client uses; injectable for tests and special runtimes. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>

/** A schema the replies are checked against (zod's `safeParse` shape). */
export interface ReplySchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: unknown }
}

/** One HTTP call. */
export interface HttpCall<T> {
  method: 'GET' | 'POST' | 'DELETE'
  /** Path below the API root, starting with `/`, e.g. `/v1/messages`. */
  path: string
  body?: unknown
  schema: ReplySchema<T>
  signal?: AbortSignal | undefined
  /** Extra time the call may take beyond the request timeout (a long-poll wait), in ms. */
  extraTime?: number
  /** True when repeating the call cannot do harm: it is then retried on network errors and 502–504. */
  idempotent?: boolean
}

/** Settings of {@link HttpApi}. */
export interface HttpApiOptions {
  baseUrl: string
  token?: string | undefined
  fetch?: FetchFunction | undefined
  requestTimeout: number
  retries: number
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason)
      },
      { once: true },
    )
  })

/** The JSON API over HTTP: auth header, timeouts, retries, problem → {@link PandoraError}. */
export class HttpApi {
  readonly #options: HttpApiOptions

  constructor(options: HttpApiOptions) {
    this.#options = options
  }

  async call<T>(call: HttpCall<T>): Promise<T> {
    const attempts = call.idempotent ? this.#options.retries + 1 : 1
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once(call)
      } catch (error) {
        const retriable =
          error instanceof PandoraError && (error.code === 'unavailable' || error.code === 'timeout')
        if (!retriable || attempt + 1 >= attempts || call.signal?.aborted) throw error
        await sleep(backoffDelay(attempt, { initialDelay: 200, maxDelay: 5000 }), call.signal)
      }
    }
  }

  async #once<T>(call: HttpCall<T>): Promise<T> {
    const doFetch = this.#options.fetch ?? globalThis.fetch
    if (typeof doFetch !== 'function') {
      throw new PandoraError('unavailable', 'no fetch function: pass the fetch option')
    }
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' }
    if (call.body !== undefined) headers['content-type'] = 'application/json'
    if (this.#options.token) headers.authorization = `Bearer ${this.#options.token}`
    const timeout = this.#options.requestTimeout + (call.extraTime ?? 0)
    const timeoutSignal = AbortSignal.timeout(timeout)
    const signal = call.signal ? AbortSignal.any([call.signal, timeoutSignal]) : timeoutSignal
    const init: RequestInit = { method: call.method, headers, signal }
    if (call.body !== undefined) init.body = JSON.stringify(call.body)

    let response: Response
    try {
      response = await doFetch(joinUrl(this.#options.baseUrl, call.path), init)
    } catch (cause) {
      if (call.signal?.aborted) throw call.signal.reason
      if (timeoutSignal.aborted) {
        throw new PandoraError('timeout', `no reply within ${timeout} ms`, { cause })
      }
      throw new PandoraError('unavailable', 'cannot reach the Pandora server', { cause })
    }
    const text = await response.text()
    let json: unknown
    try {
      json = text === '' ? undefined : JSON.parse(text)
    } catch {
      json = undefined
    }
    if (!response.ok) throw problemToError(response.status, json)
    const parsed = call.schema.safeParse(json)
    if (!parsed.success) {
      throw new PandoraError('internal', `unexpected reply from ${call.method} ${call.path}`, {
        cause: parsed.error,
      })
    }
    return parsed.data
  }
}

/** `base` + `path`, keeping any path prefix of `base` (a server mounted under `/pandora`). */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path
}

/** The WebSocket address of a server from its HTTP address. */
export function webSocketUrl(base: string): string {
  const url = new URL(joinUrl(base, '/v1/ws'))
  url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol
  return url.toString()
}
