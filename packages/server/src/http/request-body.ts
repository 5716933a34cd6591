import type { IncomingMessage } from 'node:http'
import { PandoraError } from '@pandora/core'
import { assertJsonContentType, mediaType } from './json-content-type.js'
import { assertUtf8Escapes, decodeUtf8 } from './strict-utf8.js'

/**
 * Reads a request body up to `limit` bytes, as UTF-8 (`invalid_encoding` otherwise). A larger body
 * (by Content-Length or as it streams) is refused with 413 before it is read whole. A client that
 * goes away mid-body is `client_closed_request` (499): its own doing, not a server error.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) {
    req.resume()
    throw new PandoraError('payload_too_large', `request body is larger than ${limit} bytes`)
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > limit) {
        req.resume()
        throw new PandoraError('payload_too_large', `request body is larger than ${limit} bytes`)
      }
      chunks.push(chunk)
    }
  } catch (error) {
    if (error instanceof PandoraError) throw error
    // The only other way reading fails: the connection dropped before the body was complete.
    throw new PandoraError('client_closed_request', 'the client went away before its body arrived', {
      cause: error,
    })
  }
  return decodeUtf8(Buffer.concat(chunks))
}

/** Parses a JSON body (`application/json` only); an empty body reads as `{}`. */
export function parseJson(req: IncomingMessage, text: string): unknown {
  assertJsonContentType(req, text.length)
  if (text.trim().length === 0) return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new PandoraError('invalid_input', 'request body is not valid JSON')
  }
}

/**
 * Parses a form body (`application/x-www-form-urlencoded`) into a multi-map, keeping value order.
 * Escapes that do not decode to UTF-8 (`k=%FF`) are refused rather than read as U+FFFD.
 */
export function parseForm(req: IncomingMessage, text: string): Map<string, string[]> {
  const type = mediaType(req)
  if (text.length > 0 && type !== 'application/x-www-form-urlencoded' && type !== '') {
    throw new PandoraError(
      'unsupported_media_type',
      'send a form with Content-Type: application/x-www-form-urlencoded',
    )
  }
  assertUtf8Escapes(text, 'form body')
  return toMultiMap(new URLSearchParams(text))
}

/** A URLSearchParams as a multi-map, keeping value order. */
export function toMultiMap(params: URLSearchParams): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const [k, v] of params) {
    const list = out.get(k)
    if (list) list.push(v)
    else out.set(k, [v])
  }
  return out
}
