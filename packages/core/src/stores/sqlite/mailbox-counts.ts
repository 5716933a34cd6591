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
  /**
   * The counts as the UTF-8 JSON of an array of mailbox stats instead (`json`; `receivers` and
   * `counts` are then empty): on the read worker, the list of ten thousand mailboxes is built,
   * serialized and encoded off the event loop, and its bytes cross the thread without a copy.
   */
  json?: boolean
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
  /** With {@link CountsQuery.json}: `[{"receiver":…,"pending":…,…},…]` as UTF-8, in name order. */
  json?: Uint8Array
}

/** What {@link countMailboxes} needs of a better-sqlite3 statement. */
interface Readable {
  get(params?: unknown): unknown
  all(params?: unknown): unknown[]
  /** Rows as their first column's value. */
  pluck(on?: boolean): Readable
  /** Rows as arrays. */
  raw(on?: boolean): Readable
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
  // Four statements a mailbox: their rows are read as plain values or arrays, not an object each
  // (40,000 objects for 10,000 mailboxes otherwise). A thread that allocates delays the main
  // thread's event loop more than one that only computes (bench/loop-noise.mjs: 7.5-10 against
  // 2-6 ms on the 2-core test machine). These statements serve this function alone, so setting
  // their mode on every call is safe on the store's own connection too.
  const listed = query.receivers
    ? undefined
    : new Map(prepare(sql.receivers).raw(true).all() as [string, number][])
  // Plain sort: UTF-16 code unit order, as every store lists mailboxes.
  const receivers = query.receivers ?? [...listed!.keys()].sort()
  const all = prepare(sql.countAll).pluck(true)
  const due = prepare(sql.countDue).pluck(true)
  const later = prepare(sql.countLater).raw(true)
  const dead = prepare(sql.countDead).pluck(true)
  const totals = query.totals === true
  const json = query.json === true && !totals
  const counts = new Float64Array(totals ? 5 : json ? 0 : receivers.length * 5)
  // The keys in the order of MailboxStats as every store builds it, so the text is what
  // JSON.stringify of the objects would give.
  const items: string[] = []
  let held = 0
  receivers.forEach((receiver, i) => {
    const total = listed?.get(receiver) ?? (all.get({ receiver }) as number)
    const pending = due.get({ receiver, now }) as number
    const [leased, delayed] = later.get({ receiver, now }) as [number, number]
    const d = dead.get({ receiver }) as number
    const row = [pending, leased, delayed, d, total - pending - leased - delayed - d]
    if (total > 0) held++
    if (json)
      items.push(
        `{"receiver":${JSON.stringify(receiver)},"pending":${row[0]},"leased":${row[1]},"delayed":${row[2]},"dead":${row[3]},"confirmed":${row[4]}}`,
      )
    else if (!totals) counts.set(row, i * 5)
    else for (let k = 0; k < 5; k++) counts[k]! += row[k]!
  })
  if (json) return { receivers: [], counts, held, json: new TextEncoder().encode(`[${items.join(',')}]`) }
  return { receivers: totals ? [] : receivers, counts, held }
}
