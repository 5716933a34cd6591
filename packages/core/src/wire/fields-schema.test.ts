import { describe, expect, it } from 'vitest'
import { fieldsInputSchema, fieldsSchema } from './common.js'

describe('wire fields', () => {
  it('wire - fields parse into records without a prototype and keep __proto__', () => {
    const input = JSON.parse('{"__proto__": "p", "constructor": ["c1", "c2"], "toString": "t"}')
    const sent = fieldsInputSchema.parse(input)
    expect(Object.getPrototypeOf(sent)).toBeNull()
    expect(Object.keys(sent)).toEqual(['__proto__', 'constructor', 'toString'])
    expect(Object.getOwnPropertyDescriptor(sent, '__proto__')?.value).toBe('p')
    const stored = fieldsSchema.parse(JSON.parse('{"__proto__": ["p"], "valueOf": ["v"]}'))
    expect(Object.getPrototypeOf(stored)).toBeNull()
    expect(Object.keys(stored)).toEqual(['__proto__', 'valueOf'])
  })

  it('wire - bad names and values are refused with the field as path, __proto__ included', () => {
    const paths = (value: unknown) => fieldsInputSchema.safeParse(value).error?.issues.map((i) => i.path)
    expect(paths(JSON.parse('{"__proto__": 5}'))).toEqual([['__proto__']])
    expect(paths({ ok: 'x', '': 'x', bad: [1] })).toEqual([[''], ['bad']])
    expect(paths({ ['x'.repeat(256)]: 'v' })).toEqual([['x'.repeat(256)]])
    expect(paths('text')).toEqual([[]])
    expect(paths(['a'])).toEqual([[]])
    expect(fieldsSchema.safeParse({ k: 'not a list' }).success).toBe(false)
  })
})
