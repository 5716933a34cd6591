import { emptyFields, type Fields } from '@pandora/core/protocol'

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
  // A Map: field names are chosen by users, so `constructor` or `__proto__` must be plain keys.
  readonly #fields = new Map<string, readonly string[]>()

  constructor(fields: Fields) {
    // Own entries only: a `__proto__` key that JSON.parse made an own property is a field too.
    for (const [name, values] of Object.entries(fields)) this.#fields.set(name, [...values])
  }

  /** The first value of `name`, or `undefined` when the field is absent. */
  get(name: string): string | undefined {
    return this.#fields.get(name)?.[0]
  }

  /** Every value of `name` in order; an empty list when the field is absent. */
  getAll(name: string): string[] {
    return [...(this.#fields.get(name) ?? [])]
  }

  /** True when the body has a field called `name`. */
  has(name: string): boolean {
    return this.#fields.has(name)
  }

  /** The field names. */
  keys(): string[] {
    return [...this.#fields.keys()]
  }

  /** Number of distinct field names. */
  get size(): number {
    return this.#fields.size
  }

  *[Symbol.iterator](): Iterator<[string, string[]]> {
    for (const [name, values] of this.#fields) yield [name, [...values]]
  }

  /**
   * A copy as a record: every field with its list of values (what `JSON.stringify` prints). The
   * record has no prototype, so every name, `__proto__` included, is an own key.
   */
  toJSON(): Fields {
    const out = emptyFields()
    for (const [name, values] of this) out[name] = values
    return out
  }
}
