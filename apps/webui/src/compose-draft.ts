import {
  byteLength,
  DELAY_MAX_MS,
  emptyFields,
  encodeFields,
  FIELD_NAME_MAX_LENGTH,
  type Fields,
  isValidMailbox,
  MAILBOX_MAX_LENGTH,
  parseGoDuration,
  RESERVED_FIELDS,
} from '@pandora/core'

/** One custom field row of the compose form. */
export interface FieldRow {
  /** Stable key for rendering; never sent. */
  id: number
  name: string
  value: string
}

/** What the compose form holds, as typed. */
export interface ComposeDraft {
  to: string
  from: string
  /** A Go-style duration (`30s`, `5m`, `1h30m`) or empty for none. */
  delay: string
  topic: string
  fields: readonly FieldRow[]
}

/** Problems with a draft, per input; an empty object means it can be sent. */
export interface DraftErrors {
  to?: string
  from?: string
  delay?: string
  /** Keyed by {@link FieldRow.id}. */
  fields?: Record<number, string>
  /** The body as a whole (too big). */
  body?: string
}

/** The outcome of {@link checkDraft}. */
export interface DraftCheck {
  errors: DraftErrors
  ok: boolean
  /** Fields as they will be sent (without the ones Pandora adds). */
  fields: Fields
  /** Delay in ms (0 when none). */
  delay: number
  /** Size in bytes of the encoded body the server will store, its own fields included. */
  size: number
  maxSize: number
}

/** A `clientTime` of the same length as any the console sends: size checks stay exact. */
const SAMPLE_TIME = '2000-01-01T00:00:00.000Z'
const RESERVED = new Set<string>(RESERVED_FIELDS)

/** Why a mailbox name is refused, or undefined when it is fine. */
export function mailboxProblem(name: string, label: string): string | undefined {
  if (name.length === 0) return `${label} is required`
  if (isValidMailbox(name)) return undefined
  if ([...name].length > MAILBOX_MAX_LENGTH)
    return `${label} must be at most ${MAILBOX_MAX_LENGTH} characters`
  return `${label} must be printable characters only (no control characters or line breaks)`
}

/** Parses the delay input: empty means none; otherwise a Go duration such as `30s`, `5m` or `1h30m`. */
export function parseDelay(input: string): { ms: number } | { error: string } {
  const text = input.trim()
  if (text === '') return { ms: 0 }
  if (/^\d+(\.\d+)?$/.test(text) && text !== '0') return { error: 'Add a unit, e.g. 30s, 5m or 1h' }
  let ms: number
  try {
    ms = parseGoDuration(text)
  } catch {
    return { error: 'Use a duration such as 500ms, 30s, 5m or 1h30m' }
  }
  if (ms < 0) return { error: 'Delay cannot be negative' }
  if (ms > DELAY_MAX_MS) return { error: 'Delay must be at most 366 days' }
  return { ms }
}

/**
 * Validates a draft as the user types and measures the body the server would store (the
 * `sender`, `receiver` and `clientTime` fields it adds included) against `maxSize`.
 *
 * @example
 * ```ts
 * const check = checkDraft({ to: 'orders@shop', from: 'web@shop', delay: '', topic: 'new', fields: [] }, 4096)
 * check.ok // true
 * check.fields // { topic: ['new'] }
 * ```
 */
export function checkDraft(draft: ComposeDraft, maxSize: number, clientTime = SAMPLE_TIME): DraftCheck {
  const errors: DraftErrors = {}
  const to = mailboxProblem(draft.to, 'To')
  if (to) errors.to = to
  const from = mailboxProblem(draft.from, 'From')
  if (from) errors.from = from
  const delay = parseDelay(draft.delay)
  if ('error' in delay) errors.delay = delay.error

  // Names are typed by the user: `constructor` or `__proto__` must be plain keys (no prototype).
  const fields = emptyFields()
  const add = (name: string, value: string) => {
    const list = Object.hasOwn(fields, name) ? fields[name] : undefined
    if (list) list.push(value)
    else fields[name] = [value]
  }
  if (draft.topic !== '') add('topic', draft.topic)
  const rowErrors: Record<number, string> = {}
  for (const row of draft.fields) {
    if (row.name === '' && row.value === '') continue
    if (row.name === '') rowErrors[row.id] = 'Give this field a name'
    else if (row.name.length > FIELD_NAME_MAX_LENGTH)
      rowErrors[row.id] = `Field names are at most ${FIELD_NAME_MAX_LENGTH} characters`
    else if (RESERVED.has(row.name)) rowErrors[row.id] = `“${row.name}” is set by Pandora itself`
    else if (!row.name.isWellFormed() || !row.value.isWellFormed())
      rowErrors[row.id] = 'Text contains a broken character'
    else add(row.name, row.value)
  }
  if (Object.keys(rowErrors).length > 0) errors.fields = rowErrors

  const stamped = Object.assign(emptyFields(), fields, {
    sender: [draft.from],
    receiver: [draft.to],
    clientTime: [clientTime],
  })
  const size = byteLength(encodeFields(stamped))
  if (size > maxSize) errors.body = `Message is too big: ${size} of at most ${maxSize} bytes`
  return {
    errors,
    ok: Object.keys(errors).length === 0,
    fields,
    delay: 'ms' in delay ? delay.ms : 0,
    size,
    maxSize,
  }
}
