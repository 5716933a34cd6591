import { describe, expect, it } from 'vitest'
import { FieldMap } from './field-map.js'

const PROTO_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']

describe('FieldMap', () => {
  it('field map - prototype names are field names: present ones read back, absent ones are absent', () => {
    // As a reply body parses: `__proto__` is an own key of the object JSON.parse returns.
    const wire = JSON.parse('{"constructor": ["c1", "c2"], "__proto__": ["p"], "sku": ["A1"]}')
    const fields = new FieldMap(wire)
    expect(fields.getAll('constructor')).toEqual(['c1', 'c2'])
    expect(fields.get('__proto__')).toBe('p')
    expect(fields.has('__proto__')).toBe(true)
    expect(fields.keys().sort()).toEqual(['__proto__', 'constructor', 'sku'])
    expect(fields.size).toBe(3)
    for (const name of ['toString', 'valueOf', 'hasOwnProperty']) {
      expect(fields.has(name)).toBe(false)
      expect(fields.get(name)).toBeUndefined()
      expect(fields.getAll(name)).toEqual([])
    }
    const json = JSON.parse(JSON.stringify(fields))
    expect(Object.getOwnPropertyDescriptor(json, '__proto__')?.value).toEqual(['p'])
    expect([...fields].map(([name]) => name).sort()).toEqual(['__proto__', 'constructor', 'sku'])
  })

  it('field map - an empty body has none of the prototype names', () => {
    const fields = new FieldMap({})
    for (const name of PROTO_NAMES) {
      expect(fields.has(name)).toBe(false)
      expect(fields.get(name)).toBeUndefined()
      expect(fields.getAll(name)).toEqual([])
    }
  })
})
