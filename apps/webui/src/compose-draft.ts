import {
  byteLength,
  DELAY_MAX_MS,
  emptyFields,
  encodeFields,
  FANOUT_MAX_RECIPIENTS,
  FIELD_NAME_MAX_LENGTH,
  type Fields,
  isValidMailbox,
  MAILBOX_MAX_LENGTH,
  PRIORITY_MAX,
  PRIORITY_MIN,
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

/** One more recipient of the compose form (a fan-out: the same message to each). */
export interface RecipientRow {
  /** Stable key for rendering; never sent. */
  id: number
  name: string
}

/** What the compose form holds, as typed. */
export interface ComposeDraft {
  to: string
  /** More recipients besides `to`: one send stores the body once and gives each its own message. */
  also?: readonly RecipientRow[]
  from: string
  /** A Go-style duration (`30s`, `5m`, `1h30m`) or empty for none. */
  delay: string
  /** A whole number from -10 to 10, or empty for the default (0). */
  priority?: string
  topic: string
  fields: readonly FieldRow[]
}

/** Problems with a draft, per input; an empty object means it can be sent. */
export interface DraftErrors {
  to?: string
  from?: string
  delay?: string
  priority?: string
  /** Keyed by {@link RecipientRow.id}; `recipients` for the list as a whole (too many). */
  also?: Record<number, string>
  recipients?: string
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
  /** Priority (0 when none given). */
  priority: number
  /** `to` and every named extra recipient, in order. */
  recipients: string[]
  /** Size in bytes (for several recipients: the largest, the longest name's) of the encoded body the server will store, its own fields included. */
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

/** Parses the priority input: empty means the default 0; otherwise a whole number from -10 to 10. */
export function parsePriority(input: string): { priority: number } | { error: string } {
  const text = input.trim()
  if (text === '') return { priority: 0 }
  const n = /^[+-]?\d{1,3}$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isInteger(n) || n < PRIORITY_MIN || n > PRIORITY_MAX)
    return {
      error: `Priority is a whole number from ${PRIORITY_MIN} (background) to ${PRIORITY_MAX} (urgent)`,
    }
  return { priority: n }
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
  const priority = parsePriority(draft.priority ?? '')
  if ('error' in priority) errors.priority = priority.error
  const recipients = [draft.to]
  const alsoErrors: Record<number, string> = {}
  for (const row of draft.also ?? []) {
    if (row.name === '') continue
    const problem = mailboxProblem(row.name, 'Recipient')
    if (problem) alsoErrors[row.id] = problem
    else recipients.push(row.name)
  }
  if (Object.keys(alsoErrors).length > 0) errors.also = alsoErrors
  if (recipients.length > FANOUT_MAX_RECIPIENTS)
    errors.recipients = `At most ${FANOUT_MAX_RECIPIENTS} recipients in one send`

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

  // Each recipient's body holds its own name: the longest one makes the largest body.
  const longest = recipients.reduce((a, b) => (byteLength(b) > byteLength(a) ? b : a))
  const stamped = Object.assign(emptyFields(), fields, {
    sender: [draft.from],
    receiver: [longest],
    clientTime: [clientTime],
  })
  const size = byteLength(encodeFields(stamped))
  if (size > maxSize) errors.body = `Message is too big: ${size} of at most ${maxSize} bytes`
  return {
    errors,
    ok: Object.keys(errors).length === 0,
    fields,
    delay: 'ms' in delay ? delay.ms : 0,
    priority: 'priority' in priority ? priority.priority : 0,
    recipients,
    size,
    maxSize,
  }
}
