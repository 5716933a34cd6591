import { PandoraError } from '@pandora/core/protocol'
import { backoffDelay } from './backoff.js'
import { problemToError } from './problem.js'
import { isRefusal } from './refusal.js'

/** The `fetch` function the client uses; injectable for tests and special runtimes. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>

/** A schema the replies are checked against (zod's `safeParse` shape). */
export interface ReplySchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: unknown }
}

/** One HTTP call. */
export interface HttpCall<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
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
  /**
   * Path of the route that {@link HttpApi.diagnose} asks: one every server answers without a token
   * (`/v1/info`), behind the same Origin and Host checks as every other route.
   */
  probePath: string
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
        // Why it failed is asked once a call (a refusal is final), not after every retry.
        return await this.#once(call, attempt === 0)
      } catch (error) {
        const retriable =
          error instanceof PandoraError && (error.code === 'unavailable' || error.code === 'timeout')
        if (!retriable || attempt + 1 >= attempts || call.signal?.aborted) throw error
        await sleep(backoffDelay(attempt, { initialDelay: 200, maxDelay: 5000 }), call.signal)
      }
    }
  }

  /**
   * Asks the server why a request or a WebSocket could not get through. A browser hides the status
   * of a failed WebSocket upgrade, and of a request whose CORS preflight was refused: both look like
   * a network error. The probe is a plain `GET /v1/info` — no token and no custom header, so no
   * preflight — that passes the same Origin and Host checks: a 403 or 421 problem in its reply names
   * the refusal. Resolves with that refusal ({@link isRefusal}), or `undefined` when the server
   * answers normally or cannot be reached either.
   */
  async diagnose(signal?: AbortSignal): Promise<PandoraError | undefined> {
    const doFetch = this.#fetchFunction()
    const timeout = AbortSignal.timeout(this.#options.requestTimeout)
    try {
      const response = await doFetch(joinUrl(this.#options.baseUrl, this.#options.probePath), {
        method: 'GET',
        headers: { accept: 'application/json, application/problem+json' },
        // The caller's cancel stops the probe too.
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      })
      if (response.ok) return undefined
      const error = problemToError(response.status, await readJson(response))
      return isRefusal(error) ? error : undefined
    } catch {
      return undefined
    }
  }

  #fetchFunction(): FetchFunction {
    const doFetch = this.#options.fetch ?? globalThis.fetch
    if (typeof doFetch !== 'function') {
      throw new PandoraError('unavailable', 'no fetch function: pass the fetch option')
    }
    return doFetch
  }

  async #once<T>(call: HttpCall<T>, probe: boolean): Promise<T> {
    const doFetch = this.#fetchFunction()
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
      // In a browser a refused origin looks like this too (the preflight or the reply lacked CORS).
      const refusal = probe ? await this.diagnose(call.signal) : undefined
      if (refusal) throw refusal
      throw new PandoraError('unavailable', 'cannot reach the Pandora server', { cause })
    }
    const json = await readJson(response)
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

/** The reply's JSON, or `undefined` when it is empty or not JSON. */
async function readJson(response: Response): Promise<unknown> {
  const text = await response.text()
  try {
    return text === '' ? undefined : JSON.parse(text)
  } catch {
    return undefined
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
