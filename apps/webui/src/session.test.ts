import { describe, expect, it } from 'vitest'
import { Session, TOKEN_KEY } from './session.js'

const memoryStorage = () => {
  const map = new Map<string, string>()
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  }
}

describe('session', () => {
  it('session - keeps the token in the given storage and forgets it on sign-out', () => {
    const storage = memoryStorage()
    const session = new Session(storage)
    session.token = 'secret'
    expect(storage.map.get(TOKEN_KEY)).toBe('secret')
    expect(new Session(storage).token).toBe('secret')
    session.token = undefined
    expect(new Session(storage).token).toBeUndefined()
  })

  it('session - works without storage when the browser refuses it', () => {
    const session = new Session({
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('denied')
      },
      removeItem: () => {},
    })
    session.token = 'x'
    expect(session.token).toBeUndefined()
  })
})
