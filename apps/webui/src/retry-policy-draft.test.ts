import { describe, expect, it } from 'vitest'
import { describePolicy, draftFromPolicy, policyFromDraft } from './retry-policy-draft.js'

describe('retry policy form', () => {
  it('policy - a stored policy round-trips through the form', () => {
    const policy = {
      maxDeliveries: 5,
      backoff: { type: 'exponential' as const, base: 1000, factor: 3, max: 60_000, jitter: 0.2 },
    }
    expect(policyFromDraft(draftFromPolicy(policy))).toEqual({ policy })
    const fixed = { backoff: { type: 'fixed' as const, delay: 5000, jitter: 0 } }
    expect(policyFromDraft(draftFromPolicy(fixed))).toEqual({ policy: fixed })
    expect(policyFromDraft(draftFromPolicy({}))).toEqual({ policy: {} })
  })

  it('policy - says what is wrong with a draft in the words of the form', () => {
    const base = draftFromPolicy({})
    expect(policyFromDraft({ ...base, maxDeliveries: 'ten' })).toEqual({
      error: 'Max deliveries must be a whole number',
    })
    expect(policyFromDraft({ ...base, backoff: 'fixed', delay: '' })).toEqual({
      error: 'Delay must be a whole number',
    })
    expect(policyFromDraft({ ...base, backoff: 'fixed', delay: '10', jitter: '2' })).toEqual({
      error: 'Jitter must be from 0 to 1',
    })
  })

  it('policy - describes what the mailbox does with failures', () => {
    expect(describePolicy({}, 10)).toBe(
      'dead after 10 deliveries (server default); no backoff: a reject without a delay is due again at once',
    )
    expect(
      describePolicy(
        {
          maxDeliveries: 0,
          backoff: { type: 'exponential', base: 1000, factor: 2, max: 60_000, jitter: 0.2 },
        },
        0,
      ),
    ).toBe('never dead; exponential backoff 1 s ×2 up to 60 s, 20% jitter')
    expect(describePolicy({ backoff: { type: 'fixed', delay: 250, jitter: 0 } }, 1)).toBe(
      'dead after 1 delivery (server default); fixed backoff 250 ms',
    )
  })
})
