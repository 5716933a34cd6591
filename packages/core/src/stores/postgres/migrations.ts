import type { ClientBase } from 'pg'
import { PandoraError } from '../../errors.js'
import { quoteIdent } from './schema-name.js'

/** One step of the schema's history. Steps never change once released; new ones are appended. */
export interface Migration {
  version: number
  name: string
  /** Statements of the step, for the quoted schema `s`. */
  up(s: string): string[]
}

/**
 * The schema's history. Times are epoch ms (bigint) on the database clock; statuses are the
 * model's codes. The partial index serves fetch (active messages in due order); the other serves
 * header listings.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'messages and blobs',
    up: (s) => [
      `CREATE TABLE ${s}.messages (
        mid text PRIMARY KEY,
        receiver text NOT NULL,
        sender text NOT NULL,
        status smallint NOT NULL,
        received_at bigint NOT NULL,
        send_when bigint NOT NULL,
        visible_at bigint NOT NULL,
        leased_until bigint,
        lid text,
        delivery_count integer NOT NULL DEFAULT 0,
        size integer NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY
      )`,
      `CREATE INDEX messages_due ON ${s}.messages (receiver, visible_at, seq) WHERE status NOT IN (1, 16)`,
      `CREATE INDEX messages_received ON ${s}.messages (receiver, received_at, seq)`,
      `CREATE TABLE ${s}.blobs (
        key text PRIMARY KEY,
        bytes bytea NOT NULL,
        refs bigint NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'failure reasons and mailbox retry policies',
    up: (s) => [
      `ALTER TABLE ${s}.messages ADD COLUMN failure_reason text, ADD COLUMN failed_at bigint`,
      // One row per mailbox that has a policy (mailboxes are otherwise implicit). Columns, not JSON,
      // because fetch and reject compute the backoff from them in SQL. backoff_delay is the fixed
      // delay, or the base of an exponential backoff.
      `CREATE TABLE ${s}.mailbox_policies (
        receiver text PRIMARY KEY,
        max_deliveries integer,
        backoff_type text,
        backoff_delay bigint,
        backoff_factor double precision,
        backoff_max bigint,
        backoff_jitter double precision
      )`,
    ],
  },
  {
    version: 3,
    name: 'priorities and shared bodies',
    up: (s) => [
      `ALTER TABLE ${s}.messages ADD COLUMN priority smallint NOT NULL DEFAULT 0`,
      // The key of the message's body blob: the body without its receiver, shared by the recipients
      // of a fan-out. Blobs written before hold the whole body under key = mid: that is what they get.
      `ALTER TABLE ${s}.messages ADD COLUMN blob text`,
      `UPDATE ${s}.messages SET blob = mid`,
      `ALTER TABLE ${s}.messages ALTER COLUMN blob SET NOT NULL`,
      // Fetch walks the priorities present (at most 21), highest first, seeking each one's due head.
      `CREATE INDEX messages_ready ON ${s}.messages (receiver, priority, visible_at, seq) WHERE status NOT IN (1, 16)`,
    ],
  },
  {
    version: 4,
    name: 'bodies inline',
    up: (s) => [
      // A body only one message carries is kept in its row (`body`): sending it writes no blob row
      // and confirming it deletes none. `in_blobs` says where the body is: true in `blobs` under
      // `blob` (a fan-out's shared body, and every message written before this version), false in
      // `body`. `blob` names the body's key either way: reads check the bytes against it.
      `ALTER TABLE ${s}.messages ADD COLUMN body bytea`,
      `ALTER TABLE ${s}.messages ADD COLUMN in_blobs boolean NOT NULL DEFAULT true`,
    ],
  },
]

/** The version a fully migrated schema is at. */
export const LATEST_VERSION = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0)

/**
 * Creates `schema` if needed and applies the missing migrations, in one transaction. A
 * transaction-scoped advisory lock keyed on the schema makes instances that start together take
 * turns: the first migrates, the others then find nothing left to do.
 */
export async function migrate(client: ClientBase, schema: string): Promise<number> {
  const s = quoteIdent(schema)
  await client.query('BEGIN')
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('pandora.migrate'), hashtext($1))`, [schema])
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`)
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    )
    const { rows } = await client.query<{ v: number | null }>(
      `SELECT max(version) AS v FROM ${s}.schema_migrations`,
    )
    const current = rows[0]?.v ?? 0
    if (current > LATEST_VERSION) {
      throw new PandoraError(
        'unavailable',
        `schema ${schema} is at version ${current}, newer than this Pandora knows (${LATEST_VERSION}): upgrade Pandora`,
      )
    }
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue
      for (const statement of m.up(s)) await client.query(statement)
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
        m.version,
        m.name,
      ])
    }
    await client.query('COMMIT')
    return LATEST_VERSION
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}
