import { type ErrorCode, isErrorCode, PandoraError, problemReplyMini } from '@pandora/core/protocol'

const codeByStatus: Record<number, ErrorCode> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  421: 'host_not_allowed',
  429: 'too_many_subscriptions',
  502: 'unavailable',
  503: 'unavailable',
  504: 'timeout',
}

/** The code for an HTTP status when the server gave no usable code. */
export function codeForStatus(status: number): ErrorCode {
  return codeByStatus[status] ?? (status >= 500 ? 'internal' : 'invalid_input')
}

/**
 * Turns an error reply into a {@link PandoraError} carrying the server's stable code. Accepts a
 * problem+json body; anything else falls back to a code chosen from the HTTP status.
 */
export function problemToError(status: number, body: unknown): PandoraError {
  const parsed = problemReplyMini.safeParse(body)
  if (parsed.success) {
    const p = parsed.data
    const code = isErrorCode(p.code) ? p.code : codeForStatus(status)
    const options = p.detail === undefined ? {} : { detail: p.detail }
    return new PandoraError(code, p.title || undefined, options)
  }
  return new PandoraError(codeForStatus(status), `HTTP ${status}`)
}

/** A WebSocket `error` frame as a {@link PandoraError}. */
export function frameToError(code: string, message: string): PandoraError {
  return new PandoraError(isErrorCode(code) ? code : 'internal', message || undefined)
}

/** One recipient's entry of a fan-out reply as the SDK returns it: its result, or its error. */
export function recipientOutcome(
  r: { mid: string; duplicate: boolean } | { error: { code: string; message: string } },
): { mid: string; duplicate: boolean } | PandoraError {
  return 'error' in r ? frameToError(r.error.code, r.error.message) : { mid: r.mid, duplicate: r.duplicate }
}
