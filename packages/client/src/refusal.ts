import { type ErrorCode, PandoraError } from '@pandora/core/protocol'

/**
 * The codes with which a server refuses this client as it is configured: a page's origin, the
 * `Host` it used, a missing or wrong token, a token without the right. Trying again cannot change
 * the answer, so the client stops and reports them instead of retrying.
 */
export const REFUSAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'origin_not_allowed',
  'host_not_allowed',
  'unauthorized',
  'forbidden',
])

/** True when `error` is a server's refusal of this client (see {@link REFUSAL_CODES}). */
export function isRefusal(error: unknown): error is PandoraError {
  return error instanceof PandoraError && REFUSAL_CODES.has(error.code)
}
