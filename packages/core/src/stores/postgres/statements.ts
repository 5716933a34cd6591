import { LEASE_EXPIRED_REASON } from '../../failure-reason.js'
import { BACKOFF_EXPONENT_MAX } from '../../retry-policy.js'

/**
 * The backoff rule of `retry-policy.ts` (`backoffDelay`) in SQL, in the same order of operations so
 * both give the same whole ms: `a` names the row holding the policy's backoff columns (NULLs: no
 * backoff, 0), `n` the delivery that failed, `r` a random number in [0, 1).
 */
function backoff(a: string, n: string, r: string): string {
  return `floor(CASE ${a}.backoff_type
      WHEN 'fixed' THEN ${a}.backoff_delay::float8
      WHEN 'exponential' THEN least(${a}.backoff_max::float8,
        ${a}.backoff_delay * power(${a}.backoff_factor, least(greatest(${n} - 1, 0), ${BACKOFF_EXPONENT_MAX})))
      ELSE 0 END * (1 - coalesce(${a}.backoff_jitter, 0) * ${r}))::bigint`
}

/**
 * The SQL of the PostgreSQL store, built once per schema. Conventions: `$1` is always the time to
 * decide on in epoch ms, or NULL for the DATABASE clock (the default: only a store given a test clock
 * passes one), and `c.t` is that "now", computed once per statement, so every lease, delay and expiry
 * decision uses one clock whichever instance runs it. Statuses: confirmed 1, rejected 2, timeout 4, notDelivered 8, dead 16; "active" means
 * neither confirmed nor dead, the predicate of the `messages_due` partial index.
 */
export function statements(s: string) {
  const m = `${s}.messages`
  const b = `${s}.blobs`
  const pol = `${s}.mailbox_policies`
  const now = `WITH c AS MATERIALIZED (SELECT coalesce($1::bigint, (floor(extract(epoch FROM clock_timestamp()) * 1000))::bigint) AS t)`
  const active = 'm.status NOT IN (1, 16)'
  const live = `m.lid IS NOT NULL AND m.leased_until > c.t AND ${active}`
  // A lease that ran out reads as `timeout`, even before a fetch rewrites the row.
  const expired = 'm.lid IS NOT NULL AND m.leased_until <= c.t'
  const header = `m.mid, m.sender, m.receiver, m.received_at, m.send_when, m.delivery_count, m.size, m.priority,
    CASE WHEN ${expired} THEN 4 ELSE m.status END AS status,
    CASE WHEN ${expired} THEN NULL ELSE m.leased_until END AS leased_until,
    CASE WHEN ${expired} THEN '${LEASE_EXPIRED_REASON}' ELSE m.failure_reason END AS failure_reason,
    CASE WHEN ${expired} THEN m.leased_until ELSE m.failed_at END AS failed_at,
    CASE WHEN m.status IN (1, 16) THEN NULL ELSE m.visible_at END AS due_at`
  const counts = `SELECT k.receiver,
      count(*) FILTER (WHERE k.kind = 'pending')::int AS pending,
      count(*) FILTER (WHERE k.kind = 'leased')::int AS leased,
      count(*) FILTER (WHERE k.kind = 'delayed')::int AS delayed,
      count(*) FILTER (WHERE k.kind = 'dead')::int AS dead,
      count(*) FILTER (WHERE k.kind = 'confirmed')::int AS confirmed
    FROM k GROUP BY k.receiver`
  const kinds = `k AS (
    SELECT m.receiver, CASE
      WHEN m.status = 1 THEN 'confirmed'
      WHEN m.status = 16 THEN 'dead'
      WHEN m.lid IS NOT NULL AND m.leased_until > c.t THEN 'leased'
      WHEN m.visible_at > c.t THEN 'delayed'
      ELSE 'pending' END AS kind
    FROM ${m} m, c`

  return {
    /**
     * Inserts a batch ($2 mids, $3 receivers, $4 senders, $5 delays, $6 sizes, $8 priorities,
     * $9 blob keys, $12 inline bodies — null where the body is a shared blob; mids unique)
     * idempotently; stores each blob of $10 keys / $11 bytes once, with a reference per new
     * message that refers to it (a fan-out's recipients share one); and
     * notifies channel $7 of every receiver that got a new message, delayed ones too (their
     * listeners re-arm their timers): one statement, so one transaction, and the NOTIFY goes out
     * on its commit.
     */
    send: `${now},
      input AS (
        SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $8::smallint[], $9::text[],
          $12::bytea[]) WITH ORDINALITY AS x(mid, receiver, sender, delay, size, priority, blob, body, ord)
      ),
      ins AS (
        INSERT INTO ${m} AS m (mid, receiver, sender, status, received_at, send_when, visible_at, size, priority, blob,
          body, in_blobs)
        SELECT i.mid, i.receiver, i.sender, 8, c.t, c.t + i.delay, c.t + i.delay, i.size, i.priority, i.blob,
          i.body, i.body IS NULL
        FROM input i, c ORDER BY i.ord
        ON CONFLICT (mid) DO NOTHING
        RETURNING m.mid, m.receiver, m.blob, m.in_blobs
      ),
      refs AS (SELECT ins.blob, count(*) AS n FROM ins WHERE ins.in_blobs GROUP BY ins.blob),
      blob AS (
        INSERT INTO ${b} AS b (key, bytes, refs)
        SELECT u.key, u.bytes, r.n FROM unnest($10::text[], $11::bytea[]) AS u(key, bytes)
          JOIN refs r ON r.blob = u.key
        ON CONFLICT (key) DO UPDATE SET refs = b.refs + EXCLUDED.refs
        RETURNING b.key
      ),
      n AS (
        SELECT pg_notify($7, r.receiver)
        FROM (SELECT DISTINCT receiver FROM ins) r
      )
      SELECT ARRAY(SELECT mid FROM ins) AS inserted, (SELECT count(*) FROM blob) AS blobs,
        (SELECT count(*) FROM n) AS notified`,

    /**
     * One round of fetch for receiver $2: locks up to $3 due active messages, highest priority
     * first, then in due order, skipping rows another fetch holds. Those already leased $4 times
     * (when $4 > 0) become dead; the others get lid $5[rank] and a lease of $6 ms.
     * `lv` walks the priorities present from the highest down, one seek in `messages_ready` each
     * (at most 21); each level's due head is another seek, and the LIMIT stops pulling levels once
     * it has enough: O(levels * log n), however many messages wait or are delayed above. The
     * candidates are materialized so the planner cannot run the SKIP LOCKED subquery twice and lock
     * other rows.
     */
    fetch: `${now.replace('WITH', 'WITH RECURSIVE')},
      p AS MATERIALIZED (SELECT * FROM ${pol} WHERE receiver = $2),
      lv(level) AS (
        SELECT (SELECT m.priority FROM ${m} m WHERE m.receiver = $2 AND ${active}
                ORDER BY m.priority DESC LIMIT 1)
        UNION ALL
        SELECT (SELECT m.priority FROM ${m} m WHERE m.receiver = $2 AND ${active} AND m.priority < lv.level
                ORDER BY m.priority DESC LIMIT 1)
        FROM lv WHERE lv.level IS NOT NULL
      ),
      cand AS MATERIALIZED (
        SELECT x.* FROM lv CROSS JOIN LATERAL (
          SELECT m.mid, m.blob, m.in_blobs, m.priority, m.visible_at, m.seq, m.delivery_count FROM ${m} m
          WHERE m.receiver = $2 AND m.priority = lv.level AND ${active} AND m.visible_at <= (SELECT t FROM c)
          ORDER BY m.visible_at, m.seq
          LIMIT $3
          FOR UPDATE SKIP LOCKED
        ) x
        WHERE lv.level IS NOT NULL
        LIMIT $3
      ),
      md AS (SELECT coalesce((SELECT max_deliveries FROM p), $4::int) AS v),
      q AS MATERIALIZED (
        SELECT mid, blob, in_blobs, row_number() OVER (ORDER BY priority DESC, visible_at, seq) AS rn,
          (md.v > 0 AND delivery_count >= md.v) AS doomed,
          (md.v > 0 AND delivery_count + 1 >= md.v) AS last
        FROM cand, md
      )
      UPDATE ${m} m SET
        status = CASE WHEN q.doomed THEN 16 WHEN m.lid IS NOT NULL THEN 4 ELSE m.status END,
        failure_reason = CASE WHEN m.lid IS NOT NULL THEN '${LEASE_EXPIRED_REASON}' ELSE m.failure_reason END,
        failed_at = CASE WHEN m.lid IS NOT NULL THEN m.leased_until ELSE m.failed_at END,
        lid = CASE WHEN q.doomed THEN NULL ELSE ($5::text[])[q.rn] END,
        leased_until = CASE WHEN q.doomed THEN NULL ELSE c.t + $6::bigint END,
        visible_at = CASE WHEN q.doomed THEN m.visible_at ELSE c.t + $6::bigint
          + CASE WHEN q.last THEN 0 ELSE ${backoff('p', 'm.delivery_count + 1', '($7::float8[])[q.rn]')} END END,
        delivery_count = CASE WHEN q.doomed THEN m.delivery_count ELSE m.delivery_count + 1 END
      FROM q CROSS JOIN c LEFT JOIN p ON true LEFT JOIN ${b} b ON b.key = q.blob AND q.in_blobs AND NOT q.doomed
      WHERE m.mid = q.mid
      RETURNING q.rn, q.doomed, m.mid, m.sender, m.receiver, m.status, m.received_at, m.send_when,
        m.leased_until, m.lid, m.delivery_count, m.size, m.failure_reason, m.failed_at,
        CASE WHEN m.status IN (1, 16) THEN NULL ELSE m.visible_at END AS due_at, m.priority, m.blob,
        coalesce(m.body, b.bytes) AS bytes`,

    /**
     * Confirms every ($2 mids, $3 lids) pair whose lease holds and lets go of their bodies (inline:
     * cleared; a blob: its reference dropped); returns the mids it confirmed and the blobs left
     * without a reference (to delete in the same transaction). One statement for a whole batch.
     */
    confirmMany: `${now},
      input AS (SELECT * FROM unnest($2::text[], $3::text[]) AS x(mid, lid)),
      upd AS (
        UPDATE ${m} m SET status = 1, lid = NULL, leased_until = NULL, body = NULL
        FROM input i, c WHERE m.mid = i.mid AND m.lid = i.lid AND ${live}
        RETURNING m.mid, m.blob, m.in_blobs
      ),
      d AS (SELECT upd.blob, count(*) AS n FROM upd WHERE upd.in_blobs GROUP BY upd.blob),
      dec AS (UPDATE ${b} b SET refs = b.refs - d.n FROM d WHERE b.key = d.blob RETURNING b.key, b.refs)
      SELECT (SELECT coalesce(array_agg(mid), '{}') FROM upd) AS confirmed,
        (SELECT coalesce(array_agg(key), '{}') FROM dec WHERE refs <= 0) AS unreferenced`,

    /**
     * Rejects every ($2 mids, $3 lids, $5 delays, $7 reasons, $8 random numbers) whose lease holds,
     * as reject does one: a null delay is the mailbox's backoff; $4 is the store's maxDeliveries,
     * a mailbox policy's overrides it. Returns the mids it changed. Notifies channel $6 once per
     * receiver given a message back.
     */
    rejectMany: `${now},
      input AS (
        SELECT * FROM unnest($2::text[], $3::text[], $5::bigint[], $7::text[], $8::float8[])
          AS x(mid, lid, delay, reason, r)
      ),
      t AS (
        SELECT i.*, coalesce(p.max_deliveries, $4::int) AS md, p.backoff_type, p.backoff_delay,
          p.backoff_factor, p.backoff_max, p.backoff_jitter
        FROM input i JOIN ${m} m ON m.mid = i.mid LEFT JOIN ${pol} p ON p.receiver = m.receiver
      ),
      upd AS (
        UPDATE ${m} m SET
          lid = NULL,
          leased_until = NULL,
          failure_reason = t.reason,
          failed_at = c.t,
          status = CASE WHEN t.md > 0 AND m.delivery_count >= t.md THEN 16 ELSE 2 END,
          visible_at = CASE WHEN t.md > 0 AND m.delivery_count >= t.md THEN m.visible_at
            ELSE c.t + coalesce(t.delay, ${backoff('t', 'm.delivery_count', 't.r')}) END
        FROM t, c WHERE m.mid = t.mid AND m.lid = t.lid AND ${live}
        RETURNING m.mid, m.receiver, m.status
      ),
      n AS (SELECT pg_notify($6, r.receiver) FROM (SELECT DISTINCT receiver FROM upd WHERE status = 2) r)
      SELECT (SELECT coalesce(array_agg(mid), '{}') FROM upd) AS changed, (SELECT count(*) FROM n) AS notified`,

    /** Deletes blob $1 if no reference is left (same transaction as the drop). */
    deleteUnreferenced: `DELETE FROM ${b} WHERE key = ANY($1::text[]) AND refs <= 0`,

    /** Extends the live lease of $2 under lid $3 to $4 ms from now. */
    renew: `${now}
      UPDATE ${m} m SET leased_until = c.t + $4::bigint,
        visible_at = c.t + $4::bigint + (m.visible_at - m.leased_until)
      FROM c WHERE m.mid = $2 AND m.lid = $3 AND ${live}
      RETURNING m.leased_until`,

    /** Headers of receiver $2 received at or after $3, oldest first, at most $4. */
    headers: `${now}
      SELECT ${header} FROM ${m} m, c
      WHERE m.receiver = $2 AND m.received_at >= $3::bigint
      ORDER BY m.received_at, m.seq LIMIT $4`,

    /** Like `headers`, newest first. */
    headersDesc: `${now}
      SELECT ${header} FROM ${m} m, c
      WHERE m.receiver = $2 AND m.received_at >= $3::bigint
      ORDER BY m.received_at DESC, m.seq DESC LIMIT $4`,

    /** Dead messages of receiver $2, oldest first, at most $3. */
    dead: `${now}
      SELECT ${header} FROM ${m} m, c
      WHERE m.receiver = $2 AND m.status = 16
      ORDER BY m.received_at, m.seq LIMIT $3`,

    /** One message with its body's bytes, inline or its blob's (null once confirmed or collected). */
    get: `${now}
      SELECT ${header}, m.blob, coalesce(m.body, b.bytes) AS bytes FROM ${m} m CROSS JOIN c
        LEFT JOIN ${b} b ON b.key = m.blob AND m.in_blobs AND m.status <> 1
      WHERE m.mid = $2`,

    /** Counts of receiver $2. */
    stats: `${now}, ${kinds} WHERE m.receiver = $2) ${counts}`,

    /** Counts of every mailbox that holds a message. */
    mailboxes: `${now}, ${kinds}) ${counts}`,

    /**
     * Makes dead messages of receiver $2 (all, or those in $3 when not null) due now with a fresh
     * count; notifies channel $4 when any moved.
     */
    redrive: `${now},
      upd AS (
        UPDATE ${m} m SET status = 8, delivery_count = 0, visible_at = c.t
        FROM c WHERE m.receiver = $2 AND m.status = 16 AND ($3::text[] IS NULL OR m.mid = ANY($3::text[]))
        RETURNING m.mid
      ),
      n AS (SELECT pg_notify($4, $2) FROM (SELECT 1 FROM upd LIMIT 1) x)
      SELECT (SELECT count(*) FROM upd)::int AS n, (SELECT count(*) FROM n) AS notified`,

    /**
     * Deletes every message of receiver $1 and drops the blob reference of those not confirmed
     * whose body is a blob (a confirmed one gave its reference back already, an inline one holds
     * none); returns how many went and which blobs reached 0.
     */
    purge: `WITH del AS (DELETE FROM ${m} WHERE receiver = $1 RETURNING blob, status, in_blobs),
      d AS (SELECT del.blob, count(*) AS n FROM del WHERE del.status <> 1 AND del.in_blobs GROUP BY del.blob),
      dec AS (
        UPDATE ${b} b SET refs = b.refs - d.n FROM d
        WHERE b.key = d.blob
        RETURNING b.key, b.refs
      )
      SELECT (SELECT count(*) FROM del)::int AS n, ARRAY(SELECT key FROM dec WHERE refs <= 0) AS gone`,

    /** Milliseconds from now until receiver $2's next active message is due (null: none). */
    // Written as ORDER BY ... LIMIT 1 so it reads one entry of the partial index, not the mailbox.
    nextDueIn: `${now}
      SELECT (
        SELECT m.visible_at FROM ${m} m WHERE m.receiver = $2 AND ${active} ORDER BY m.visible_at LIMIT 1
      ) - (SELECT t FROM c) AS due`,

    /**
     * Receivers with an active message, soonest due first, at most $1: after notifications may
     * have been lost, each is woken to re-read its next due time.
     */
    activeReceivers: `SELECT m.receiver FROM ${m} m WHERE ${active}
      GROUP BY m.receiver ORDER BY min(m.visible_at) LIMIT $1`,

    /** The policy of receiver $1 (no row: none). */
    policyOf: `SELECT max_deliveries, backoff_type, backoff_delay, backoff_factor, backoff_max, backoff_jitter
      FROM ${pol} WHERE receiver = $1`,
    /** Sets the policy of receiver $1. */
    setPolicy: `INSERT INTO ${pol} AS p (receiver, max_deliveries, backoff_type, backoff_delay, backoff_factor,
        backoff_max, backoff_jitter) VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (receiver) DO UPDATE SET max_deliveries = $2, backoff_type = $3, backoff_delay = $4,
        backoff_factor = $5, backoff_max = $6, backoff_jitter = $7`,
    deletePolicy: `DELETE FROM ${pol} WHERE receiver = $1`,

    putBlob: `INSERT INTO ${b} AS b (key, bytes, refs) VALUES ($1, $2, 1)
      ON CONFLICT (key) DO UPDATE SET refs = b.refs + 1`,
    getBlob: `SELECT bytes FROM ${b} WHERE key = $1`,
    updateRefCount: `UPDATE ${b} SET refs = refs + $2::bigint WHERE key = $1 RETURNING refs`,
    collectBlobs: `DELETE FROM ${b} WHERE refs <= 0`,
  }
}

/** The statements of one schema. */
export type Statements = ReturnType<typeof statements>
