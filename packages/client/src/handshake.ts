import type { ServerFrame } from '@pandora/core'
import { PandoraError } from '@pandora/core/protocol'

/** The server's first frame on a socket: its heartbeat, whether it wants a token, its optional frames. */
export type Welcome = Extract<ServerFrame, { type: 'welcome' }>

/** What {@link handshake} needs from the connection attempt it serves. */
export interface HandshakeOptions {
  /** Resolves with the server's welcome frame; rejects if the socket drops first. */
  welcome: Promise<Welcome>
  /** The bearer token, sent only when the welcome asks for one. */
  token: string | undefined
  /** Longest wait for the welcome, in ms. */
  timeout: number
  /** Sends the `auth` frame and resolves once the server accepted it. */
  authenticate(token: string): Promise<unknown>
}

/**
 * The opening of a socket after the transport connected: waits for the welcome (up to `timeout`),
 * then authenticates when the server requires it. Resolves with the welcome; rejects with
 * `timeout`, with `unauthorized` when a token is required and none was given, or with the
 * server's refusal of the token.
 *
 * @example
 * ```ts
 * const hello = await handshake({ welcome, token, timeout: 10_000, authenticate: (token) => request({ type: 'auth', token }) })
 * ```
 */
export async function handshake(options: HandshakeOptions): Promise<Welcome> {
  const hello = await withTimeout(options.welcome, options.timeout, 'no welcome from the server')
  if (hello.authRequired) {
    if (!options.token) {
      throw new PandoraError('unauthorized', 'the server requires a token: pass the token option')
    }
    await options.authenticate(options.token)
  }
  return hello
}

/** Anything a connection attempt threw, as a {@link PandoraError} (`unavailable` when it was not one). */
export function toPandoraError(error: unknown): PandoraError {
  return error instanceof PandoraError ? error : new PandoraError('unavailable', undefined, { cause: error })
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new PandoraError('timeout', message)), ms)
    promise.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}
