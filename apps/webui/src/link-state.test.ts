import { PandoraError } from '@pandora/core'
import { describe, expect, it } from 'vitest'
import { isLinkFailure, type LinkState, nextLinkState, RECOVERED_NOTICE_MS } from './link-state.js'

describe('link state', () => {
  it('link - failures mark the link lost, a success shows recovery, which then fades', () => {
    let s: LinkState = { kind: 'ok' }
    s = nextLinkState(s, { type: 'failure', at: 1000, reason: 'down' })
    s = nextLinkState(s, { type: 'failure', at: 3000, reason: 'still down' })
    expect(s).toEqual({ kind: 'lost', since: 1000, failures: 2, reason: 'still down' })
    s = nextLinkState(s, { type: 'success', at: 9000 })
    expect(s).toEqual({ kind: 'recovered', at: 9000, downFor: 8000 })
    expect(nextLinkState(s, { type: 'tick', at: 9000 + RECOVERED_NOTICE_MS - 1 }).kind).toBe('recovered')
    expect(nextLinkState(s, { type: 'tick', at: 9000 + RECOVERED_NOTICE_MS }).kind).toBe('ok')
  })

  it('link - network errors and server faults count as a lost link, refusals do not', () => {
    expect(isLinkFailure(new PandoraError('unavailable'))).toBe(true)
    expect(isLinkFailure(new PandoraError('timeout'))).toBe(true)
    expect(isLinkFailure(new PandoraError('internal'))).toBe(true)
    expect(isLinkFailure(new TypeError('Failed to fetch'))).toBe(true)
    expect(isLinkFailure(new PandoraError('invalid_mailbox'))).toBe(false)
    expect(isLinkFailure(new PandoraError('unauthorized'))).toBe(false)
  })
})
