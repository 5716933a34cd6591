import { encodeFieldsBut, type Fields, normalizeFields, utf8 } from './body.js'
import { PandoraError } from './errors.js'
import { contentKeySync } from './key.js'
import { assertDelay, assertPriority, DEFAULT_MAX_SIZE } from './limits.js'
import { assertMailbox } from './mailbox.js'
import type { StatusCode } from './status.js'
import { isoTime } from './wire/iso-time.js'

/** What a sender supplies. Times and durations are milliseconds. */
export interface SendInput {
  /** Mailbox the message comes from. */
  sender: string
  /** Mailbox the message goes to. */
  receiver: string
  /** The body's fields. `sender`, `receiver` and `clientTime` are set by Pandora. */
  fields: Record<string, string | readonly string[]>
  /** Not delivered before this many ms after it is received (server clock). */
  delay?: number
  /** The sender's time (RFC 3339); part of the body, so a retry with the same value is a duplicate. */
  clientTime?: string
  /**
   * Among due messages of a mailbox, higher priorities are delivered first; a whole number from
   * {@link PRIORITY_MIN} to {@link PRIORITY_MAX}, default 0. Not part of the body (so not of the
   * mid): the same body sent again with another priority is a duplicate and keeps the first's.
   */
  priority?: number
}

/** The outcome of a send. */
export interface SendResult {
  /** The message id: SHA-1 of the canonical body. */
  mid: string
  /** True when the very same body was already stored: nothing new was enqueued. */
  duplicate: boolean
}

/** A message ready to store: validated, encoded and keyed. */
export interface PreparedMessage {
  mid: string
  sender: string
  receiver: string
  fields: Fields
  /** Canonical encoding of `fields` (the receiver's copy): its SHA-1 is the mid. */
  body: string
  /** UTF-8 of `body`. */
  bytes: Uint8Array
  delay: number
  priority: number
  /**
   * Key of the blob the body is stored as: the SHA-1 of {@link PreparedMessage.shared}. Every
   * message whose body differs only in its receiver (the recipients of a fan-out) refers to it.
   */
  blob: string
  /** The body without its `receiver` field, as stored once for all its recipients. */
  shared: Uint8Array
}

/** A message's header: everything but its body. Times are epoch ms. */
export interface MessageHeader {
  mid: string
  sender: string
  receiver: string
  /** How its last delivery ended (or `notDelivered`, `dead`). A live lease shows the previous outcome. */
  status: StatusCode
  receivedAt: number
  /** Not delivered before this time. */
  sendWhen: number
  /** End of the current lease, or null when nobody holds one. */
  leasedUntil: number | null
  /** Leases taken so far. */
  deliveryCount: number
  /** Size of the encoded body in bytes. */
  size: number
  /**
   * Why its last delivery failed: the reason its last reject gave (null when it gave none), or
   * `lease expired`; null when no delivery failed yet.
   */
  failureReason: string | null
  /** When its last delivery failed: the time of the reject, or the end of the lease that ran out. */
  failedAt: number | null
  /**
   * When it is next due: its `sendWhen`, or the end of a reject's delay or backoff; under a live
   * lease, when it would be due should that lease run out (its end, plus the backoff after an
   * expiry). Null once confirmed or dead.
   */
  dueAt: number | null
  /** Delivery priority, {@link PRIORITY_MIN}–{@link PRIORITY_MAX}: higher first among due messages. */
  priority: number
}

/** A message as a receiver gets it: under a lease, with its body. */
export interface LeasedMessage extends MessageHeader {
  /** Lease id: only this value may ack, reject or renew the message while the lease holds. */
  lid: string
  leasedUntil: number
  fields: Fields
}

/** A message as an admin sees it: header plus body (null once the body was collected). */
export interface StoredMessage extends MessageHeader {
  fields: Fields | null
}

/** The fields Pandora sets on every body. */
export const RESERVED_FIELDS = ['sender', 'receiver', 'clientTime'] as const

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/**
 * Validates a send and builds its canonical body and mid. Refuses invalid mailboxes, an empty
 * body, and bodies larger than `maxSize` once encoded (Pandora's own fields included).
 */
export async function prepareMessage(
  input: SendInput,
  options: { now: number; maxSize?: number },
): Promise<PreparedMessage> {
  return prepare(input, options)
}

// Synchronous, so a batch is prepared without a promise per message.
function prepare(input: SendInput, options: { now: number; maxSize?: number }): PreparedMessage {
  if (input === null || typeof input !== 'object') throw new PandoraError('nil_body')
  const receiver = assertMailbox(input.receiver)
  const sender = assertMailbox(input.sender)
  const delay = assertDelay(input.delay ?? 0)
  const priority = assertPriority(input.priority ?? 0)
  const given = input.clientTime ?? undefined
  if (
    given !== undefined &&
    (typeof given !== 'string' || !RFC3339.test(given) || Number.isNaN(Date.parse(given)))
  ) {
    throw new PandoraError('invalid_input', 'clientTime must be an RFC 3339 time')
  }
  // The server's own time needs no checking; formatted as every time on the wire is.
  const clientTime = given ?? isoTime(options.now)
  const fields = normalizeFields(input.fields)
  fields.sender = [sender]
  fields.clientTime = [clientTime]
  fields.receiver = [receiver]
  const { all: body, without } = encodeFieldsBut(fields, 'receiver')
  const bytes = utf8(body)
  const maxSize = options.maxSize ?? DEFAULT_MAX_SIZE
  if (bytes.byteLength > maxSize) {
    throw new PandoraError('message_too_big', `message is too big. max size is ${maxSize}`)
  }
  const shared = utf8(without)
  return {
    mid: contentKeySync(bytes),
    sender,
    receiver,
    fields,
    body,
    bytes,
    delay,
    priority,
    blob: contentKeySync(shared),
    shared,
  }
}

/**
 * The key of the blob a message's body is stored under: the SHA-1 of the body without its
 * `receiver` field, so every recipient of the same body (a fan-out) shares one blob.
 *
 * @example
 * ```ts
 * const stored = await store.get(mid)
 * const key = blobKeyOf(stored!.fields!) // what store.getBlob(key) returns, with refs per recipient
 * ```
 */
export function blobKeyOf(fields: Fields): string {
  return contentKeySync(sharedBodyOf(fields))
}

/** The canonical encoding of a body without its `receiver` field: what a fan-out's recipients share. */
function sharedBodyOf(fields: Fields): Uint8Array {
  return utf8(encodeFieldsBut(fields, 'receiver').without)
}

/**
 * Prepares a batch that is stored all or none (`sendBatch`): every input's
 * {@link PreparedMessage}, or the first input's error.
 */
export function prepareAll(
  inputs: readonly SendInput[],
  options: { now: number; maxSize?: number },
): PreparedMessage[] {
  if (!Array.isArray(inputs)) throw new PandoraError('invalid_input', 'expected a list of messages')
  return inputs.map((i) => prepare(i, options))
}

/**
 * Prepares each input on its own: its {@link PreparedMessage}, or the error that input alone fails
 * with, so a store can store the good ones of a batch together (`sendMany`).
 */
export async function prepareEach(
  inputs: readonly SendInput[],
  options: { now: number; maxSize?: number },
): Promise<(PreparedMessage | PandoraError)[]> {
  if (!Array.isArray(inputs)) throw new PandoraError('invalid_input', 'expected a list of messages')
  return inputs.map((i) => {
    try {
      return prepare(i, options)
    } catch (error) {
      if (error instanceof PandoraError) return error
      throw error
    }
  })
}

/**
 * Runs `store` on the prepared messages of a `sendMany` and puts its results back in the inputs'
 * order, next to the errors of the inputs that failed alone. The same body twice is one message,
 * as in `sendBatch`: the store sees it once, the second is its duplicate.
 */
export async function storeEach(
  prepared: readonly (PreparedMessage | PandoraError)[],
  store: (valid: PreparedMessage[]) => Promise<SendResult[]>,
): Promise<(SendResult | PandoraError)[]> {
  const valid = prepared.filter((p): p is PreparedMessage => !(p instanceof PandoraError))
  const stored = valid.length > 0 ? await store(valid) : []
  let next = 0
  return prepared.map((p) => (p instanceof PandoraError ? p : stored[next++]!))
}
