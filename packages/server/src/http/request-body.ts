import type { IncomingMessage } from 'node:http'
import { PandoraError } from '@pandora/core'

/**
 * Reads a request body up to `limit` bytes. A larger body (by Content-Length or as it streams) is
 * refused with 413 before it is read whole.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) {
    req.resume()
    throw new PandoraError('payload_too_large', `request body is larger than ${limit} bytes`)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) {
      req.resume()
      throw new PandoraError('payload_too_large', `request body is larger than ${limit} bytes`)
    }
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  return text
}

/** The media type of a request, lower-case, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
}

/** Parses a JSON body; an empty body reads as `{}`. */
export function parseJson(req: IncomingMessage, text: string): unknown {
  const type = mediaType(req)
  if (text.length > 0 && type !== 'application/json' && type !== '') {
    throw new PandoraError('unsupported_media_type', 'send JSON with Content-Type: application/json')
  }
  if (text.trim().length === 0) return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new PandoraError('invalid_input', 'request body is not valid JSON')
  }
}

/** Parses a form body (`application/x-www-form-urlencoded`) into a multi-map, keeping value order. */
export function parseForm(req: IncomingMessage, text: string): Map<string, string[]> {
  const type = mediaType(req)
  if (text.length > 0 && type !== 'application/x-www-form-urlencoded' && type !== '') {
    throw new PandoraError(
      'unsupported_media_type',
      'send a form with Content-Type: application/x-www-form-urlencoded',
    )
  }
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
