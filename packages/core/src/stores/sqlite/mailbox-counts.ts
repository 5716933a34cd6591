/** The SQL texts {@link countMailboxes} runs: the store's own count statements. */
export interface CountStatements {
  receivers: string
  countAll: string
  countDue: string
  countLater: string
  countDead: string
}

/** What to count: the listed mailboxes, or (null) every mailbox holding a message, as of `now`. */
export interface CountsQuery {
  sql: CountStatements
  now: number
  receivers: string[] | null
  /** Only the sums over every mailbox: `receivers` is then empty and `counts` holds five sums. */
  totals?: boolean
}

/**
 * Counts in a compact form that crosses a thread cheaply: mailbox names in JavaScript string order,
 * and per mailbox five numbers in `counts` — pending, leased, delayed, dead, confirmed.
 */
export interface CountsResult {
  receivers: string[]
  counts: Float64Array
  /** How many of the counted mailboxes hold a message. */
  held: number
}

/** What {@link countMailboxes} needs of a better-sqlite3 statement. */
interface Readable {
  get(params?: unknown): unknown
  all(params?: unknown): unknown[]
}

/**
 * Counts mailboxes by state with the store's count statements. Self-contained on purpose (no
 * imports, no closures): the read worker runs this very function's source, so the store's main
 * connection (no worker) and the worker count alike. The caller runs it inside one read
 * transaction, so the counts add up.
 *
 * Every active message at or past its visible_at is pending (an expired lease included); of those
 * after it, one with a lid whose lease has not ended is leased, and the rest are delayed (sent or
 * rejected with a delay, or an expired lease waiting out its backoff); confirmed is what remains of
 * the total. Listing every mailbox reads each one's total with its name, so that count is not run
 * twice.
 */
export function countMailboxes(prepare: (sql: string) => Readable, query: CountsQuery): CountsResult {
  const { sql, now } = query
  const listed = query.receivers
    ? undefined
    : new Map(
        (prepare(sql.receivers).all() as { receiver: string; n: number }[]).map((r) => [r.receiver, r.n]),
      )
  // Plain sort: UTF-16 code unit order, as every store lists mailboxes.
  const receivers = query.receivers ?? [...listed!.keys()].sort()
  const all = prepare(sql.countAll)
  const due = prepare(sql.countDue)
  const later = prepare(sql.countLater)
  const dead = prepare(sql.countDead)
  const totals = query.totals === true
  const counts = new Float64Array(totals ? 5 : receivers.length * 5)
  let held = 0
  receivers.forEach((receiver, i) => {
    const total = listed?.get(receiver) ?? (all.get({ receiver }) as { n: number }).n
    const pending = (due.get({ receiver, now }) as { n: number }).n
    const l = later.get({ receiver, now }) as { leased: number; delayed: number }
    const d = (dead.get({ receiver }) as { n: number }).n
    const row = [pending, l.leased, l.delayed, d, total - pending - l.leased - l.delayed - d]
    if (total > 0) held++
    if (!totals) counts.set(row, i * 5)
    else for (let k = 0; k < 5; k++) counts[k]! += row[k]!
  })
  return { receivers: totals ? [] : receivers, counts, held }
}
