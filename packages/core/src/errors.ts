/**
 * Every error Pandora reports, with a stable code, the HTTP status it maps to and, where the
 * original Go server had one, its message text (kept verbatim, typos included, for compatibility).
 */
export const ErrorCodes = {
  invalid_mailbox: { status: 400, message: 'invalid mailbox' },
  message_too_big: { status: 400, message: 'message is too big. max size is 4096' },
  nil_body: { status: 400, message: 'body is nil' },
  no_messages: { status: 400, message: 'no messages at this moment' },
  unable_to_change_status: { status: 400, message: 'unable to change status' },
  key_too_short: { status: 400, message: 'key is too short' },
  input_too_short: { status: 400, message: 'input is to short to process' },
  invalid_key: { status: 400, message: 'invalid key: expected 40 hexadecimal characters' },
  invalid_input: { status: 400, message: 'invalid input' },
  invalid_duration: { status: 400, message: 'invalid duration' },
  invalid_lease_time: { status: 400, message: 'lease time out of bounds' },
  invalid_status: { status: 400, message: 'invalid status code' },
  invalid_priority: { status: 400, message: 'priority out of bounds' },
  invalid_encoding: { status: 400, message: 'request is not valid UTF-8' },
  invalid_reason: { status: 400, message: 'invalid reason: at most 1024 bytes of UTF-8, rejects only' },
  invalid_policy: { status: 400, message: 'invalid retry policy' },
  not_found: { status: 404, message: 'not found' },
  method_not_allowed: { status: 405, message: 'method not allowed' },
  unauthorized: { status: 401, message: 'unauthorized' },
  forbidden: { status: 403, message: 'forbidden' },
  origin_not_allowed: { status: 403, message: 'origin not allowed' },
  request_timeout: { status: 408, message: 'request timeout' },
  payload_too_large: { status: 413, message: 'payload too large' },
  unsupported_media_type: { status: 415, message: 'unsupported media type' },
  host_not_allowed: { status: 421, message: 'host not allowed' },
  too_many_subscriptions: { status: 429, message: 'too many subscriptions on this connection' },
  client_closed_request: { status: 499, message: 'client closed the request' },
  corrupt_blob: { status: 500, message: 'stored blob does not match its key' },
  store_closed: { status: 503, message: 'store is closed' },
  unavailable: { status: 503, message: 'service unavailable' },
  connection_lost: { status: 503, message: 'connection lost' },
  timeout: { status: 504, message: 'timed out' },
  internal: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; message: string }>

/** A stable error code; see {@link ErrorCodes}. */
export type ErrorCode = keyof typeof ErrorCodes

/** True when `value` names a known error code. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCodes, value)
}

/**
 * The one error type of Pandora: a stable `code`, the HTTP `status` that code maps to, and a
 * human-readable message (the original server's text where it had one).
 *
 * @example
 * ```ts
 * try { await store.ack(mid, lid, Status.confirmed) }
 * catch (e) { if (e instanceof PandoraError && e.code === 'unable_to_change_status') retry() }
 * ```
 */
export class PandoraError extends Error {
  override readonly name = 'PandoraError'
  /** The stable code; switch on this, never on the message. */
  readonly code: ErrorCode
  /** HTTP status this code maps to. */
  readonly status: number
  /** Optional structured detail (e.g. which field was invalid). */
  readonly detail: string | undefined

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; detail?: string }) {
    super(
      message ?? ErrorCodes[code].message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    )
    this.code = code
    this.status = ErrorCodes[code].status
    this.detail = options?.detail
  }
}

/**
 * Turns anything thrown into a {@link PandoraError}: Pandora errors pass through, anything else
 * becomes `internal` (a bug: the boundary logs it).
 */
export function toPandoraError(error: unknown): PandoraError {
  if (error instanceof PandoraError) return error
  return new PandoraError('internal', undefined, { cause: error })
}
