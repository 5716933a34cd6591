import type { RetryPolicy } from '@pandora/client'

/** The retry-policy form as the user edits it: every input as typed, so half-typed values survive. */
export interface PolicyDraft {
  /** Empty: the server's default. */
  maxDeliveries: string
  backoff: 'none' | 'fixed' | 'exponential'
  /** Fixed delay, or the exponential base, in ms. */
  delay: string
  factor: string
  max: string
  /** 0–1. */
  jitter: string
}

/** The form showing `policy` as stored (empty fields where it sets nothing). */
export function draftFromPolicy(policy: RetryPolicy): PolicyDraft {
  const b = policy.backoff
  return {
    maxDeliveries: policy.maxDeliveries === undefined ? '' : String(policy.maxDeliveries),
    backoff: b?.type ?? 'none',
    delay: b === undefined ? '' : String(b.type === 'fixed' ? b.delay : b.base),
    factor: b?.type === 'exponential' ? String(b.factor ?? 2) : '2',
    max: b?.type === 'exponential' ? String(b.max) : '',
    jitter: b?.jitter ? String(b.jitter) : '',
  }
}

const whole = (text: string, name: string): number => {
  const n = Number(text.trim())
  if (text.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number`)
  return n
}

/**
 * The policy a draft stands for, or the first thing wrong with it (in the words of the form).
 * The server checks the bounds again and says `invalid_policy` with its reason.
 */
export function policyFromDraft(d: PolicyDraft): { policy: RetryPolicy } | { error: string } {
  try {
    const policy: RetryPolicy = {}
    if (d.maxDeliveries.trim() !== '') policy.maxDeliveries = whole(d.maxDeliveries, 'Max deliveries')
    const jitter = d.jitter.trim() === '' ? 0 : Number(d.jitter)
    if (Number.isNaN(jitter) || jitter < 0 || jitter > 1) throw new Error('Jitter must be from 0 to 1')
    if (d.backoff === 'fixed') policy.backoff = { type: 'fixed', delay: whole(d.delay, 'Delay'), jitter }
    if (d.backoff === 'exponential') {
      const factor = Number(d.factor.trim() === '' ? '2' : d.factor)
      if (Number.isNaN(factor)) throw new Error('Factor must be a number')
      policy.backoff = {
        type: 'exponential',
        base: whole(d.delay, 'Base delay'),
        factor,
        max: whole(d.max, 'Longest delay'),
        jitter,
      }
    }
    return { policy }
  } catch (e) {
    return { error: (e as Error).message }
  }
}

const ms = (n: number): string => (n % 1000 === 0 ? `${n / 1000} s` : `${n} ms`)

/** One line saying what a policy does, e.g. `exponential backoff 1 s ×2 up to 60 s, 20% jitter`. */
export function describePolicy(policy: RetryPolicy, maxDeliveries: number): string {
  const dead =
    maxDeliveries === 0
      ? 'never dead'
      : `dead after ${maxDeliveries} deliver${maxDeliveries === 1 ? 'y' : 'ies'}`
  const source = policy.maxDeliveries === undefined ? ' (server default)' : ''
  const b = policy.backoff
  const jitter = b?.jitter ? `, ${Math.round(b.jitter * 100)}% jitter` : ''
  const backoff =
    b === undefined
      ? 'no backoff: a reject without a delay is due again at once'
      : b.type === 'fixed'
        ? `fixed backoff ${ms(b.delay)}${jitter}`
        : `exponential backoff ${ms(b.base)} ×${b.factor ?? 2} up to ${ms(b.max)}${jitter}`
  return `${dead}${source}; ${backoff}`
}
