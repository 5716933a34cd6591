import type { PolicyResponse } from '@pandora/client'
import { useEffect, useState } from 'preact/hooks'
import { useConsole } from './console-context.js'
import { describeError } from './link-state.js'
import { describePolicy, draftFromPolicy, type PolicyDraft, policyFromDraft } from './retry-policy-draft.js'

/**
 * A mailbox's retry policy on the server: one line saying what happens to failed messages, and a
 * form to change it (max deliveries, a fixed or exponential backoff with jitter).
 */
export function RetryPolicyPanel(props: { receiver: string }) {
  const { receiver } = props
  const { client, track, notify } = useConsole()
  const [current, setCurrent] = useState<PolicyResponse | undefined>()
  const [loadError, setLoadError] = useState<string | undefined>()
  const [draft, setDraft] = useState<PolicyDraft | undefined>()
  const [formError, setFormError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    let live = true
    setCurrent(undefined)
    setLoadError(undefined)
    setDraft(undefined)
    track(client.retryPolicy(receiver)).then(
      (p) => {
        if (!live) return
        setCurrent(p)
        setLoadError(undefined)
      },
      (e: unknown) => {
        if (live) setLoadError(describeError(e))
      },
    )
    return () => {
      live = false
    }
  }, [client, receiver, track])

  const set = (patch: Partial<PolicyDraft>) => setDraft((d) => (d ? { ...d, ...patch } : d))

  const save = async (e: Event) => {
    e.preventDefault()
    if (!draft) return
    const parsed = policyFromDraft(draft)
    if ('error' in parsed) {
      setFormError(parsed.error)
      return
    }
    setBusy(true)
    try {
      const stored = await track(client.setRetryPolicy(receiver, parsed.policy))
      setCurrent(stored)
      setDraft(undefined)
      setFormError(undefined)
      notify('success', `Retry policy of ${receiver} saved.`)
    } catch (error) {
      setFormError(describeError(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="card policy-card" aria-labelledby="policy-title">
      <div class="policy-head">
        <h2 id="policy-title">Retry policy</h2>
        {current && !draft && (
          <button
            type="button"
            class="btn btn-small"
            onClick={() => {
              setDraft(draftFromPolicy(current.policy))
              setFormError(undefined)
            }}
          >
            Edit policy
          </button>
        )}
      </div>
      {loadError ? (
        <p class="error-text">Could not load the policy: {loadError}</p>
      ) : !current ? (
        <p class="muted">Loading…</p>
      ) : (
        <p data-testid="policy-summary">{describePolicy(current.policy, current.maxDeliveries)}</p>
      )}
      {draft && (
        <form class="policy-form" onSubmit={save} aria-label="Edit retry policy">
          <label>
            Max deliveries
            <input
              inputMode="numeric"
              value={draft.maxDeliveries}
              placeholder="server default"
              onInput={(e) => set({ maxDeliveries: e.currentTarget.value })}
            />
          </label>
          <label>
            Backoff
            <select
              value={draft.backoff}
              onChange={(e) => set({ backoff: e.currentTarget.value as PolicyDraft['backoff'] })}
            >
              <option value="none">none</option>
              <option value="fixed">fixed</option>
              <option value="exponential">exponential</option>
            </select>
          </label>
          {draft.backoff !== 'none' && (
            <label>
              {draft.backoff === 'fixed' ? 'Delay (ms)' : 'Base delay (ms)'}
              <input
                inputMode="numeric"
                value={draft.delay}
                onInput={(e) => set({ delay: e.currentTarget.value })}
              />
            </label>
          )}
          {draft.backoff === 'exponential' && (
            <>
              <label>
                Factor
                <input
                  inputMode="decimal"
                  value={draft.factor}
                  onInput={(e) => set({ factor: e.currentTarget.value })}
                />
              </label>
              <label>
                Longest delay (ms)
                <input
                  inputMode="numeric"
                  value={draft.max}
                  onInput={(e) => set({ max: e.currentTarget.value })}
                />
              </label>
            </>
          )}
          {draft.backoff !== 'none' && (
            <label>
              Jitter (0–1)
              <input
                inputMode="decimal"
                value={draft.jitter}
                placeholder="0"
                onInput={(e) => set({ jitter: e.currentTarget.value })}
              />
            </label>
          )}
          {formError && (
            <p class="field-error" role="alert">
              {formError}
            </p>
          )}
          <div class="policy-actions">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save policy'}
            </button>
            <button type="button" class="btn" disabled={busy} onClick={() => setDraft(undefined)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  )
}
