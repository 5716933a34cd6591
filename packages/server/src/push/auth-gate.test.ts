import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TokenAuth } from '../auth.js'
import { AuthGate } from './auth-gate.js'

const auth = new TokenAuth([{ name: 'reader', token: 'secret-token-1', scopes: { receive: ['*'] } }])

describe('auth gate', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('auth gate - no auth frame within the timeout calls onTimeout once', () => {
    const onTimeout = vi.fn()
    const gate = new AuthGate(null, auth, 1000, onTimeout)
    vi.advanceTimersByTime(999)
    expect(onTimeout).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(onTimeout).toHaveBeenCalledTimes(1)
    expect(gate.principal).toBeNull()
  })

  it('auth gate - a good token authenticates and cancels the deadline; a bad one does neither', () => {
    const onTimeout = vi.fn()
    const gate = new AuthGate(null, auth, 1000, onTimeout)
    expect(gate.authenticate('wrong-token-9')).toBeNull()
    expect(gate.principal).toBeNull()
    expect(gate.authenticate('secret-token-1')?.name).toBe('reader')
    vi.advanceTimersByTime(5000)
    expect(onTimeout).not.toHaveBeenCalled()
    expect(gate.principal?.name).toBe('reader')
  })

  it('auth gate - a socket authenticated by its upgrade has no deadline and keeps its principal', () => {
    const onTimeout = vi.fn()
    const principal = auth.authenticate('secret-token-1')
    const gate = new AuthGate(principal, auth, 1000, onTimeout)
    expect(gate.authenticate('wrong-token-9')).toBe(principal)
    vi.advanceTimersByTime(5000)
    expect(onTimeout).not.toHaveBeenCalled()
  })

  it('auth gate - stop cancels the deadline (the socket closed first)', () => {
    const onTimeout = vi.fn()
    new AuthGate(null, auth, 1000, onTimeout).stop()
    vi.advanceTimersByTime(5000)
    expect(onTimeout).not.toHaveBeenCalled()
  })
})
