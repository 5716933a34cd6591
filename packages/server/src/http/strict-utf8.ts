import { PandoraError } from '@pandora/core'

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

const notUtf8 = (what: string) => new PandoraError('invalid_encoding', `${what} is not valid UTF-8`)

/**
 * Decodes a request body as UTF-8, refusing bytes that are not (`invalid_encoding`, 400). A lenient
 * decoder would store U+FFFD in their place: a different text from the one sent, under a mid the
 * sender never computed, and mailbox names nobody can type.
 */
export function decodeUtf8(bytes: Uint8Array, what = 'request body'): string {
  try {
    return fatal.decode(bytes)
  } catch {
    throw notUtf8(what)
  }
}

/**
 * True when every `%XX` escape of a URL-encoded text (a query string, a form body) decodes, together
 * with the literal characters around it, to valid UTF-8. A `%` not followed by two hex digits stays
 * a literal `%`, as in the URL standard (and URLSearchParams) — only bytes that are not UTF-8 are
 * refused, which URLSearchParams would turn into U+FFFD.
 */
export function percentEscapesAreUtf8(text: string): boolean {
  if (!text.includes('%')) return true
  const bytes = Buffer.from(text, 'utf8')
  const out = Buffer.allocUnsafe(bytes.length)
  let n = 0
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b === 0x25 && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out[n++] = Number.parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16)
      i += 2
    } else out[n++] = b
  }
  try {
    fatal.decode(out.subarray(0, n))
    return true
  } catch {
    return false
  }
}

/** Throws `invalid_encoding` unless {@link percentEscapesAreUtf8}. */
export function assertUtf8Escapes(text: string, what: string): void {
  if (!percentEscapesAreUtf8(text)) throw notUtf8(what)
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66))
}
