import { PandoraError } from './errors.js'

/** Longest mailbox name, in characters (code points). */
export const MAILBOX_MAX_LENGTH = 255

// Control characters (C0, DEL, C1) and the line/paragraph separators are not printable.
const NOT_PRINTABLE = /[\p{Cc}\u2028\u2029]/u

/**
 * True when `name` is a valid mailbox name: 1–255 characters of printable, well-formed UTF-8,
 * with no control characters. Examples: `orders@shop`, `b@local`.
 */
export function isValidMailbox(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0) return false
  if (!name.isWellFormed()) return false
  if (NOT_PRINTABLE.test(name)) return false
  let count = 0
  for (const _ of name) if (++count > MAILBOX_MAX_LENGTH) return false
  return true
}

/** Returns `name` if it is a valid mailbox, else throws `invalid mailbox`. */
export function assertMailbox(name: unknown): string {
  if (!isValidMailbox(name)) throw new PandoraError('invalid_mailbox')
  return name
}
