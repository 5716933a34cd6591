import type { ReplySchema } from './http-api.js'

/** What `GET /v1/info` tells about a server. */
export interface ServerInfo {
  version: string
  /** Largest encoded body in bytes. */
  maxSize: number
  authRequired: boolean
  /**
   * The store kind the server runs on (`memory`, `sqlite` or `postgres`). Absent when the server
   * is older than the field.
   */
  store?: string
  /**
   * The server's clock when it answered. `serverTime.getTime()` minus the local time halfway
   * between sending the request and receiving the reply is this machine's clock offset: add it to
   * `Date.now()` to count down to `leasedUntil` or `sendWhen`, which are on the server's clock. A server older than this field is assumed to
   * share the local clock (the local time at the reply).
   */
  serverTime: Date
}

/**
 * Validates a `/v1/info` reply into a {@link ServerInfo}. A reply without `serverTime` (a server
 * older than the field) gets the local time; a `serverTime` that is not a valid time is refused.
 */
export const serverInfoSchema: ReplySchema<ServerInfo> = {
  safeParse(value: unknown) {
    const v = value as Partial<ServerInfo> | null
    if (
      v !== null &&
      typeof v === 'object' &&
      typeof v.version === 'string' &&
      typeof v.maxSize === 'number' &&
      typeof v.authRequired === 'boolean' &&
      (v.store === undefined || typeof v.store === 'string')
    ) {
      const raw: unknown = (value as { serverTime?: unknown }).serverTime
      const serverTime = raw === undefined ? new Date() : typeof raw === 'string' ? new Date(raw) : undefined
      if (serverTime !== undefined && !Number.isNaN(serverTime.getTime())) {
        const data: ServerInfo = {
          version: v.version,
          maxSize: v.maxSize,
          authRequired: v.authRequired,
          serverTime,
        }
        if (v.store !== undefined) data.store = v.store
        return { success: true, data }
      }
    }
    return {
      success: false,
      error: new Error('expected { version, maxSize, authRequired, store?, serverTime? }'),
    }
  },
}
