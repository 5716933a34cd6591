import { PandoraError } from '@pandora/client'
import { useMemo, useRef, useState } from 'preact/hooks'
import { type ComposeDraft, checkDraft, type FieldRow, type RecipientRow } from './compose-draft.js'
import { useConsole } from './console-context.js'
import { formatBytes } from './format.js'
import { describeError } from './link-state.js'
import { routeHref } from './route.js'
import type { Session } from './session.js'

const DEFAULT_FROM = 'console@pandora'

/** One recipient's outcome of a fan-out. */
type RecipientOutcome = { receiver: string } & ({ mid: string; duplicate: boolean } | { error: string })

/** The outcome of the last send, as shown under the form. */
type Sent =
  | { mid: string; duplicate: boolean; receiver: string }
  | { error: string }
  | { fanOut: RecipientOutcome[] }

/**
 * Compose and send a message: To (and more recipients: one fan-out send), From, Delay, Priority,
 * Topic and any custom fields, checked as you type.
 */
export function ComposeForm(props: { session: Session; initialTo?: string | undefined }) {
  const { client, info, track, refreshMailboxes, mailboxes } = useConsole()
  const nextRow = useRef(1)
  const [draft, setDraft] = useState<ComposeDraft>(() => ({
    to: props.initialTo ?? '',
    also: [],
    from: props.session.from ?? DEFAULT_FROM,
    delay: '',
    priority: '',
    topic: '',
    fields: [{ id: 0, name: '', value: '' }],
  }))
  // Only show a field's problem once the user has been there (or tried to send).
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set())
  const [sending, setSending] = useState(false)
  const [sent, setSent] = useState<Sent | undefined>()
  // One clientTime per unchanged draft: sending it again is then an idempotent duplicate.
  const clientTime = useRef<string | undefined>(undefined)

  const check = useMemo(() => checkDraft(draft, info.maxSize), [draft, info.maxSize])

  const update = (change: Partial<ComposeDraft>) => {
    clientTime.current = undefined
    setDraft((d) => ({ ...d, ...change }))
  }
  const updateRow = (id: number, change: Partial<FieldRow>) =>
    update({ fields: draft.fields.map((r) => (r.id === id ? { ...r, ...change } : r)) })
  const touch = (key: string) => setTouched((t) => (t.has(key) ? t : new Set(t).add(key)))
  const show = (key: string) => touched.has(key) || touched.has('*')

  const addRow = () => {
    const id = nextRow.current++
    update({ fields: [...draft.fields, { id, name: '', value: '' }] })
    // Focus the new row's name once it is rendered.
    requestAnimationFrame(() => document.getElementById(`field-name-${id}`)?.focus())
  }
  const also = draft.also ?? []
  const addRecipient = () => {
    const id = nextRow.current++
    update({ also: [...also, { id, name: '' }] })
    requestAnimationFrame(() => document.getElementById(`recipient-${id}`)?.focus())
  }
  const updateRecipient = (id: number, name: string) =>
    update({ also: also.map((r: RecipientRow) => (r.id === id ? { ...r, name } : r)) })
  const removeRecipient = (id: number) => {
    update({ also: also.filter((r) => r.id !== id) })
    requestAnimationFrame(() => document.getElementById('add-recipient')?.focus())
  }

  const removeRow = (id: number, index: number) => {
    update({ fields: draft.fields.filter((r) => r.id !== id) })
    requestAnimationFrame(() => {
      const rest = draft.fields.filter((r) => r.id !== id)
      const target = rest[Math.min(index, rest.length - 1)]
      document.getElementById(target ? `field-name-${target.id}` : 'add-field')?.focus()
    })
  }

  const submit = async (event: Event) => {
    event.preventDefault()
    setTouched(new Set(['*']))
    if (!check.ok) {
      const first = document.querySelector<HTMLElement>('.compose [aria-invalid="true"]')
      first?.focus()
      return
    }
    clientTime.current ??= new Date().toISOString()
    setSending(true)
    const options = {
      from: draft.from,
      clientTime: clientTime.current,
      ...(check.delay > 0 ? { delay: check.delay } : {}),
      ...(check.priority !== 0 ? { priority: check.priority } : {}),
    }
    try {
      if (check.recipients.length > 1) {
        // One request and one transaction for all of them; the body is stored once.
        const results = await track(client.sendTo(check.recipients, check.fields, options))
        setSent({
          fanOut: results.map((r, i) => ({
            receiver: check.recipients[i]!,
            ...(r instanceof PandoraError ? { error: describeError(r) } : r),
          })),
        })
      } else {
        const result = await track(client.send(draft.to, check.fields, options))
        setSent({ ...result, receiver: draft.to })
      }
      props.session.from = draft.from
      refreshMailboxes()
    } catch (error) {
      setSent({ error: describeError(error) })
    } finally {
      setSending(false)
    }
  }

  // Problems show as soon as something is typed; an empty required input only complains once left.
  const errorOf = (key: 'to' | 'from' | 'delay' | 'priority') =>
    show(key) || (draft[key] ?? '') !== '' ? check.errors[key] : undefined
  const sizeRatio = Math.min(1, check.size / check.maxSize)

  return (
    <section class="page" aria-labelledby="compose-title">
      <div class="page-head">
        <div>
          <h1 id="compose-title">Compose</h1>
          <p class="muted">Pandora adds sender, receiver and clientTime to every message.</p>
        </div>
      </div>
      <form class="card compose" onSubmit={submit} noValidate>
        <datalist id="known-mailboxes">
          {mailboxes?.map((m) => (
            <option key={m.receiver} value={m.receiver} />
          ))}
        </datalist>
        <div class="grid-2">
          <TextInput
            id="compose-to"
            label="To"
            value={draft.to}
            placeholder="orders@shop"
            list="known-mailboxes"
            error={errorOf('to')}
            onInput={(to) => update({ to })}
            onBlur={() => touch('to')}
          />
          <div class="form-field recipients">
            {also.map((row, index) => {
              const error =
                show(`also-${row.id}`) || row.name !== '' ? check.errors.also?.[row.id] : undefined
              return (
                <div class="field-row" key={row.id}>
                  <div class="field-cell">
                    <label for={`recipient-${row.id}`} class="sr-only">
                      Also to {index + 1}
                    </label>
                    <input
                      id={`recipient-${row.id}`}
                      placeholder="another@mailbox"
                      value={row.name}
                      list="known-mailboxes"
                      autocomplete="off"
                      spellcheck={false}
                      aria-invalid={error ? 'true' : undefined}
                      aria-describedby={error ? `recipient-error-${row.id}` : undefined}
                      onInput={(e) => updateRecipient(row.id, e.currentTarget.value)}
                      onBlur={() => touch(`also-${row.id}`)}
                    />
                  </div>
                  <button
                    type="button"
                    class="btn btn-ghost btn-icon"
                    aria-label={`Remove recipient ${index + 2}${row.name ? ` (${row.name})` : ''}`}
                    onClick={() => removeRecipient(row.id)}
                  >
                    ×
                  </button>
                  {error && (
                    <p id={`recipient-error-${row.id}`} class="field-error field-row-error">
                      {error}
                    </p>
                  )}
                </div>
              )
            })}
            <button type="button" id="add-recipient" class="btn btn-small" onClick={addRecipient}>
              + Add recipient
            </button>
            {check.errors.recipients ? (
              <p class="field-error">{check.errors.recipients}</p>
            ) : (
              <p class="muted small">Several recipients: one send, the body stored once.</p>
            )}
          </div>
          <TextInput
            id="compose-from"
            label="From"
            value={draft.from}
            error={errorOf('from')}
            onInput={(from) => update({ from })}
            onBlur={() => touch('from')}
          />
          <TextInput
            id="compose-delay"
            label="Delay"
            value={draft.delay}
            placeholder="none"
            hint="Optional, e.g. 30s, 5m or 1h30m"
            error={errorOf('delay')}
            onInput={(delay) => update({ delay })}
            onBlur={() => touch('delay')}
          />
          <TextInput
            id="compose-priority"
            label="Priority"
            value={draft.priority ?? ''}
            placeholder="0"
            hint="-10 (background) to 10 (urgent); higher is delivered first"
            error={errorOf('priority')}
            onInput={(priority) => update({ priority })}
            onBlur={() => touch('priority')}
          />
          <TextInput
            id="compose-topic"
            label="Topic"
            value={draft.topic}
            placeholder="optional"
            onInput={(topic) => update({ topic })}
          />
        </div>

        <fieldset class="fields">
          <legend>Fields</legend>
          {draft.fields.length === 0 && <p class="muted small">No custom fields.</p>}
          {draft.fields.map((row, index) => {
            const error = show(`row-${row.id}`) || row.name !== '' ? check.errors.fields?.[row.id] : undefined
            return (
              <div class="field-row" key={row.id}>
                <div class="field-cell">
                  <label for={`field-name-${row.id}`} class="sr-only">
                    Field {index + 1} name
                  </label>
                  <input
                    id={`field-name-${row.id}`}
                    placeholder="name"
                    value={row.name}
                    aria-invalid={error ? 'true' : undefined}
                    aria-describedby={error ? `field-error-${row.id}` : undefined}
                    onInput={(e) => updateRow(row.id, { name: e.currentTarget.value })}
                    onBlur={() => touch(`row-${row.id}`)}
                  />
                </div>
                <div class="field-cell field-value">
                  <label for={`field-value-${row.id}`} class="sr-only">
                    Field {index + 1} value
                  </label>
                  <input
                    id={`field-value-${row.id}`}
                    placeholder="value"
                    value={row.value}
                    onInput={(e) => updateRow(row.id, { value: e.currentTarget.value })}
                    onBlur={() => touch(`row-${row.id}`)}
                  />
                </div>
                <button
                  type="button"
                  class="btn btn-ghost btn-icon"
                  aria-label={`Remove field ${index + 1}${row.name ? ` (${row.name})` : ''}`}
                  onClick={() => removeRow(row.id, index)}
                >
                  ×
                </button>
                {error && (
                  <p id={`field-error-${row.id}`} class="field-error field-row-error">
                    {error}
                  </p>
                )}
              </div>
            )
          })}
          <button type="button" id="add-field" class="btn btn-small" onClick={addRow}>
            + Add field
          </button>
          <p class="muted small">Repeat a name to give a field several values.</p>
        </fieldset>

        <div class="compose-foot">
          <div class="size" aria-live="polite">
            <div
              class={`meter${check.errors.body ? ' meter-over' : sizeRatio > 0.85 ? ' meter-high' : ''}`}
              aria-hidden="true"
            >
              <span style={{ width: `${sizeRatio * 100}%` }} />
            </div>
            <span class={`small ${check.errors.body ? 'error-text' : 'muted'}`} data-testid="size">
              {check.errors.body ?? `${formatBytes(check.size)} of ${formatBytes(check.maxSize)}`}
            </span>
          </div>
          <button type="submit" class="btn btn-primary" disabled={sending}>
            {sending ? 'Sending…' : 'Send message'}
          </button>
        </div>

        <div aria-live="polite" class="send-result-region">
          {sent && 'fanOut' in sent && (
            <ul class="send-result send-fan-out" data-testid="send-results">
              {sent.fanOut.map((r) => (
                <li key={r.receiver} data-testid="recipient-result">
                  <span class="mono">{r.receiver}</span>:{' '}
                  {'error' in r ? (
                    <span class="error-text">not sent: {r.error}</span>
                  ) : (
                    <>
                      {r.duplicate ? 'duplicate' : 'sent'}, mid{' '}
                      <a class="mono" href={routeHref({ view: 'mailbox', receiver: r.receiver, mid: r.mid })}>
                        {r.mid}
                      </a>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
          {sent &&
            !('fanOut' in sent) &&
            ('error' in sent ? (
              <p class="send-result send-error" role="alert">
                Not sent: {sent.error}
              </p>
            ) : (
              <p
                class={`send-result ${sent.duplicate ? 'send-duplicate' : 'send-ok'}`}
                data-testid="send-result"
              >
                {sent.duplicate ? (
                  <>
                    <strong>Duplicate:</strong> this exact message was already stored; nothing new was
                    enqueued.{' '}
                  </>
                ) : (
                  <strong>Sent. </strong>
                )}
                mid{' '}
                <a
                  class="mono"
                  data-testid="sent-mid"
                  href={routeHref({ view: 'mailbox', receiver: sent.receiver, mid: sent.mid })}
                >
                  {sent.mid}
                </a>
                {!sent.duplicate && (
                  <span class="muted small"> · sending the unchanged form again is idempotent</span>
                )}
              </p>
            ))}
        </div>
      </form>
    </section>
  )
}

function TextInput(props: {
  id: string
  label: string
  value: string
  placeholder?: string
  hint?: string
  list?: string
  error?: string | undefined
  onInput: (value: string) => void
  onBlur?: () => void
}) {
  const describedBy = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : '']
    .filter(Boolean)
    .join(' ')
  return (
    <div class="form-field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        value={props.value}
        placeholder={props.placeholder}
        list={props.list}
        autocomplete="off"
        spellcheck={false}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
        onInput={(e) => props.onInput(e.currentTarget.value)}
        onBlur={props.onBlur}
      />
      {props.hint && !props.error && (
        <p id={`${props.id}-hint`} class="hint">
          {props.hint}
        </p>
      )}
      {props.error && (
        <p id={`${props.id}-error`} class="field-error">
          {props.error}
        </p>
      )}
    </div>
  )
}
