/**
 * Message status codes. The first four are the original server's and keep their values; new
 * states take new bits.
 */
export const Status = {
  /** Acknowledged as done; final. */
  confirmed: 1,
  /** Given back by its receiver; delivered again (after an optional delay). */
  rejected: 2,
  /** Its lease expired without an ack; delivered again. */
  timeout: 4,
  /** Never delivered yet. */
  notDelivered: 8,
  /** Stopped after `maxDeliveries` leases; kept for an admin to inspect or redrive. */
  dead: 16,
} as const

/** A status code value. */
export type StatusCode = (typeof Status)[keyof typeof Status]

/** Name of a status code, e.g. `confirmed`. */
export type StatusName = keyof typeof Status

const names = new Map<number, StatusName>(
  Object.entries(Status).map(([name, code]) => [code, name as StatusName]),
)

/** The name of a status code (`'confirmed'` for 1); `undefined` for an unknown code. */
export function statusName(code: number): StatusName | undefined {
  return names.get(code)
}

/** True while a message may still be delivered: neither confirmed nor dead. */
export function isActiveStatus(code: number): boolean {
  return code !== Status.confirmed && code !== Status.dead
}
