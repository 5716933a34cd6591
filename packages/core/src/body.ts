import { PandoraError } from './errors.js'

/**
 * A message body: string fields, each with one or more values in order (like URL query values).
 * Field names are chosen by users, so every `Fields` Pandora builds has no prototype (see
 * {@link emptyFields}): `constructor`, `toString` or `__proto__` are just names.
 */
export type Fields = Record<string, string[]>

/** Fields as callers like to write them: a single value or several per name. */
export type FieldsInput = Record<string, string | readonly string[]>

/** Longest field name, in UTF-16 code units. */
export const FIELD_NAME_MAX_LENGTH = 255

const encoder = new TextEncoder()

/** What Go's QueryEscape leaves as it is: most field names and values are only these. */
const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/

/** Go's `url.QueryEscape`: everything but `A–Z a–z 0–9 - _ . ~` escaped, spaces as `+`. */
function queryEscape(s: string): string {
  if (UNRESERVED.test(s)) return s
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
}

function queryUnescape(s: string): string {
  // Nothing escaped (the usual case): no regex, no decoding, no new string.
  if (s.indexOf('%') === -1 && s.indexOf('+') === -1) return s
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch (cause) {
    throw new PandoraError('invalid_input', 'body is not valid URL encoding', { cause })
  }
}

// Go sorts keys byte-wise on UTF-8, which is code point order. UTF-16 code unit order is the same
// except at a surrogate (D800–DFFF, half of a code point above FFFF) meeting a unit in E000–FFFF:
// there the surrogate must sort after, so both are shifted before comparing. No iterator, no copy.
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000
    }
    return x - y
  }
  return a.length - b.length
}

/**
 * A new, empty {@link Fields} without a prototype. Build every record keyed by user-chosen names
 * from this (or use a `Map`): on a plain `{}`, `fields.constructor` is a function and assigning
 * `fields.__proto__` replaces the prototype instead of adding a field.
 *
 * @example
 * ```ts
 * const fields = emptyFields()
 * fields.constructor = ['a'] // an ordinary field
 * ```
 */
export function emptyFields(): Fields {
  return Object.create(null) as Fields
}

/**
 * Normalizes and validates fields given by a caller: every name 1–255 characters of well-formed
 * text, every value a well-formed string. Single values become one-element lists.
 */
export function normalizeFields(input: unknown): Fields {
  if (input === null || input === undefined) throw new PandoraError('nil_body')
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new PandoraError('invalid_input', 'fields must be an object of strings or string lists')
  }
  const out = emptyFields()
  // Own keys only: a `__proto__` key that JSON.parse made an own property is a field like any other.
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    if (name.length === 0 || name.length > FIELD_NAME_MAX_LENGTH || !name.isWellFormed()) {
      throw new PandoraError('invalid_input', `field names must be 1–${FIELD_NAME_MAX_LENGTH} characters`)
    }
    const values = typeof value === 'string' ? [value] : value
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string' || !v.isWellFormed())) {
      throw new PandoraError(
        'invalid_input',
        `field ${JSON.stringify(name)} must be a string or a list of strings`,
      )
    }
    if (values.length > 0) out[name] = [...(values as string[])]
  }
  return out
}

/**
 * The canonical encoding of a body: keys sorted, each `key=value` URL-encoded, a key's values in
 * their order, joined with `&` (Go's `url.Values.Encode`). The message id is the SHA-1 of this.
 *
 * @example
 * ```ts
 * encodeFields({ b: ['2'], a: ['x y', '1'] }) // 'a=x+y&a=1&b=2'
 * ```
 */
export function encodeFields(fields: Fields): string {
  return encodeFieldsBut(fields, undefined).all
}

/**
 * {@link encodeFields} of `fields`, and of the same fields without the one named `omit`, from one
 * sort and one escaping of each value: a send needs both (its body, and the body its fan-out's
 * recipients share).
 *
 * @example
 * ```ts
 * encodeFieldsBut({ b: ['2'], a: ['1'] }, 'b') // { all: 'a=1&b=2', without: 'a=1' }
 * ```
 */
export function encodeFieldsBut(fields: Fields, omit: string | undefined): { all: string; without: string } {
  let all = ''
  let without = ''
  // Own keys only, so a plain object given by a caller cannot add Object.prototype's members.
  for (const key of Object.keys(fields).sort(compareCodePoints)) {
    const k = queryEscape(key)
    let part = ''
    for (const v of fields[key]!) part += `${part.length === 0 ? '' : '&'}${k}=${queryEscape(v)}`
    if (part.length === 0) continue
    all += all.length === 0 ? part : `&${part}`
    if (key !== omit) without += without.length === 0 ? part : `&${part}`
  }
  return { all, without }
}

/** Parses a canonical (or any URL-encoded) body back into fields. */
export function decodeFields(encoded: string): Fields {
  return decode(encoded, undefined, '')
}

/**
 * {@link decodeFields} of a canonical encoding (names in order) with the field `name` set to the
 * one value `value`, in its place in that order — one pass and one object, for a stored body that
 * was kept without that field (see stored-view). A `name` already in the encoding keeps its place
 * and takes `value` as its only value.
 */
export function decodeFieldsSetting(encoded: string, name: string, value: string): Fields {
  return decode(encoded, name, value)
}

/** Both decodings: `name` (when given) is put in its place with the one value `value`. */
function decode(encoded: string, name: string | undefined, value: string): Fields {
  const out = emptyFields()
  let placed = name === undefined
  for (const part of encoded.length === 0 ? [] : encoded.split('&')) {
    if (part.length === 0) continue
    const eq = part.indexOf('=')
    const key = queryUnescape(eq === -1 ? part : part.slice(0, eq))
    if (name !== undefined) {
      if (!placed) {
        const order = compareCodePoints(key, name)
        if (order >= 0) {
          out[name] = [value]
          placed = true
          if (order === 0) continue
        }
      } else if (key === name) continue
    }
    const decoded = eq === -1 ? '' : queryUnescape(part.slice(eq + 1))
    const list = Object.hasOwn(out, key) ? out[key] : undefined
    if (list) list.push(decoded)
    else out[key] = [decoded]
  }
  if (!placed) out[name!] = [value]
  return out
}

/** Size in bytes of a string's UTF-8 encoding. */
export function byteLength(s: string): number {
  return encoder.encode(s).byteLength
}

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s)
}

/** The first value of a field, or `undefined`. */
export function firstValue(fields: Fields, name: string): string | undefined {
  return Object.hasOwn(fields, name) ? fields[name]?.[0] : undefined
}
