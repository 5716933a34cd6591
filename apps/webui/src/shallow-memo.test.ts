import { describe, expect, it } from 'vitest'
import { sameValues } from './shallow-memo.js'

describe('sameValues', () => {
  it('the same values under the same keys are the same, whatever the objects', () => {
    const f = () => {}
    const list = [1]
    expect(sameValues({ a: 1, f, list }, { a: 1, f, list })).toBe(true)
    expect(sameValues({ n: Number.NaN }, { n: Number.NaN })).toBe(true)
  })

  it('a changed value, a new object of equal content, or a different key set is a change', () => {
    expect(sameValues({ a: 1 }, { a: 2 })).toBe(false)
    expect(sameValues({ list: [1] }, { list: [1] })).toBe(false)
    expect(sameValues({ a: 1 }, { a: 1, b: undefined } as { a: number })).toBe(false)
    expect(
      sameValues<{ a?: number | undefined; b?: number | undefined }>({ a: undefined }, { b: undefined }),
    ).toBe(false)
    expect(sameValues({ z: 0 }, { z: -0 })).toBe(false)
  })
})
