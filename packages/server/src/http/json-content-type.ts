import type { IncomingMessage } from 'node:http'
import { PandoraError } from '@pandora/core'

/** The media type of a request, lower-case, without parameters (`''` when there is none). */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
}

/**
 * The JSON API takes bodies only as `application/json` (parameters such as `charset` allowed). A
 * cross-site HTML form can send `text/plain`, `application/x-www-form-urlencoded` or
 * `multipart/form-data` — or no body type at all from `fetch(..., { mode: 'no-cors' })` — without a
 * CORS preflight, but never `application/json`: requiring it keeps a forged request from being
 * read as JSON even if its `Origin` were missing. A request with an empty body and no content
 * type (`curl -X POST`) carries nothing to forge and passes.
 */
export function assertJsonContentType(req: IncomingMessage, bodyLength: number): void {
  const type = mediaType(req)
  if (type === 'application/json') return
  if (type === '' && bodyLength === 0) return
  throw new PandoraError('unsupported_media_type', 'send JSON with Content-Type: application/json')
}
