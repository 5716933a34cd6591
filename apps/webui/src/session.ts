/** The sessionStorage key of the token: kept for the tab's session, never put in a URL. */
export const TOKEN_KEY = 'pandora.token'
const FROM_KEY = 'pandora.from'

type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/** The signed-in token and small per-tab preferences, in sessionStorage. */
export class Session {
  readonly #storage: KeyValueStore | undefined

  constructor(storage: KeyValueStore | undefined) {
    this.#storage = storage
  }

  get token(): string | undefined {
    return this.#read(TOKEN_KEY)
  }

  set token(value: string | undefined) {
    this.#write(TOKEN_KEY, value)
  }

  /** The last sender used in the compose form. */
  get from(): string | undefined {
    return this.#read(FROM_KEY)
  }

  set from(value: string | undefined) {
    this.#write(FROM_KEY, value)
  }

  #read(key: string): string | undefined {
    try {
      return this.#storage?.getItem(key) ?? undefined
    } catch {
      // Storage can be disabled by the browser; the console then forgets on reload.
      return undefined
    }
  }

  #write(key: string, value: string | undefined): void {
    try {
      if (value === undefined || value === '') this.#storage?.removeItem(key)
      else this.#storage?.setItem(key, value)
    } catch {
      // See #read.
    }
  }
}
