import { Status } from '@pandora/core'
import { describe, expect, it } from 'vitest'
import { messageState, previousOutcome } from './message-state.js'

const now = Date.parse('2026-11-27T12:00:00Z')
const at = (offset: number) => new Date(now + offset)

describe('message state', () => {
  it('message state - a live lease shows as leased, an expired one as pending again', () => {
    const h = { status: Status.notDelivered, sendWhen: at(-1000) }
    expect(messageState({ ...h, leasedUntil: at(5000) }, now)).toBe('leased')
    expect(messageState({ ...h, leasedUntil: at(-1) }, now)).toBe('pending')
  })

  it('message state - not yet due is delayed; confirmed and dead are final states', () => {
    expect(messageState({ status: Status.notDelivered, sendWhen: at(60_000), leasedUntil: null }, now)).toBe(
      'delayed',
    )
    expect(messageState({ status: Status.confirmed, sendWhen: at(-1), leasedUntil: null }, now)).toBe(
      'confirmed',
    )
    expect(messageState({ status: Status.dead, sendWhen: at(-1), leasedUntil: null }, now)).toBe('dead')
  })

  it('message state - a message waiting out a reject delay or backoff is delayed until its dueAt', () => {
    const rejected = { status: Status.rejected, sendWhen: at(-60_000), leasedUntil: null }
    expect(messageState({ ...rejected, dueAt: at(5000) }, now)).toBe('delayed')
    expect(messageState({ ...rejected, dueAt: at(-1) }, now)).toBe('pending')
    // An expired lease in its backoff: no live lease, not due yet.
    expect(
      messageState({ ...rejected, status: Status.timeout, leasedUntil: at(-10), dueAt: at(900) }, now),
    ).toBe('delayed')
    // Older servers tell no dueAt: sendWhen decides, as before.
    expect(messageState({ ...rejected, dueAt: null }, now)).toBe('pending')
  })

  it('message state - a reject or timeout before is told, a first delivery is not', () => {
    expect(previousOutcome(Status.rejected)).toMatch(/rejected/)
    expect(previousOutcome(Status.timeout)).toMatch(/timed out/)
    expect(previousOutcome(Status.notDelivered)).toBeUndefined()
  })
})
