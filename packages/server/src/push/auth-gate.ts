import type { Principal, TokenAuth } from '../auth.js'

/**
 * Who a socket speaks for, and the deadline for saying so. A socket whose upgrade carried no
 * usable token (browsers cannot set headers, and tokens do not belong in URLs) must send an `auth`
 * frame within `timeoutMs`; an idle unauthenticated socket would otherwise hold a connection slot
 * for free.
 *
 * @example
 * const gate = new AuthGate(null, auth, 5000, () => socket.close(4401, 'no auth frame in time'))
 * const principal = gate.authenticate(frame.token) // null: refuse and close
 */
export class AuthGate {
  readonly #auth: TokenAuth
  #principal: Principal | null
  #timer: ReturnType<typeof setTimeout> | undefined

  /**
   * @param principal who the upgrade request authenticated as, or null to wait for an `auth` frame
   * @param onTimeout called once if no successful `auth` frame arrives within `timeoutMs`
   */
  constructor(principal: Principal | null, auth: TokenAuth, timeoutMs: number, onTimeout: () => void) {
    this.#auth = auth
    this.#principal = principal
    if (principal === null) this.#timer = setTimeout(onTimeout, timeoutMs)
  }

  /** Who the socket speaks for, or null until it has authenticated. */
  get principal(): Principal | null {
    return this.#principal
  }

  /**
   * Handles an `auth` frame: a socket authenticated already keeps its principal (a second `auth`
   * frame changes nothing); otherwise the token decides. Returns null for a bad token.
   */
  authenticate(token: string | undefined): Principal | null {
    const principal = this.#principal ?? this.#auth.authenticate(token)
    if (!principal) return null
    this.#principal = principal
    this.stop()
    return principal
  }

  /** Cancels the deadline (authenticated, or the socket closed). */
  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
