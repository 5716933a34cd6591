import type { Fields } from '@pandora/core'

/**
 * A message body: string fields, each with one or more values (like URL query values).
 *
 * @example
 * ```ts
 * const sku = msg.fields.get('sku')      // first value, or undefined
 * const tags = msg.fields.getAll('tag')  // every value, in order
 * ```
 */
export class FieldMap implements Iterable<[string, string[]]> {
  readonly #fields: Fields

  constructor(fields: Fields) {
    const copy: Fields = {}
    for (const [name, values] of Object.entries(fields)) copy[name] = [...values]
    this.#fields = copy
  }

  /** The first value of `name`, or `undefined` when the field is absent. */
  get(name: string): string | undefined {
    return this.#fields[name]?.[0]
  }

  /** Every value of `name` in order; an empty list when the field is absent. */
  getAll(name: string): string[] {
    return [...(this.#fields[name] ?? [])]
  }

  /** True when the body has a field called `name`. */
  has(name: string): boolean {
    return Object.hasOwn(this.#fields, name)
  }

  /** The field names. */
  keys(): string[] {
    return Object.keys(this.#fields)
  }

  /** Number of distinct field names. */
  get size(): number {
    return Object.keys(this.#fields).length
  }

  *[Symbol.iterator](): Iterator<[string, string[]]> {
    for (const [name, values] of Object.entries(this.#fields)) yield [name, [...values]]
  }

  /** A plain copy: every field with its list of values (what `JSON.stringify` prints). */
  toJSON(): Fields {
    const out: Fields = {}
    for (const [name, values] of this) out[name] = values
    return out
  }
}
