import type BetterSqlite3 from 'better-sqlite3'
import { PandoraError } from '../../errors.js'

/**
 * The schema, as an ordered list of steps. Step `i` moves a file from `user_version` i to i + 1;
 * a step, once released, never changes (files in the field already ran it): add a new one instead.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: messages and blobs.
  `
  -- seq is the rowid: arrival order for free, and an O(log n) primary key. mid stays unique, which
  -- is what content addressing needs (a rowid table keyed on mid would hold the same two b-trees).
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,
    mid TEXT NOT NULL UNIQUE,
    receiver TEXT NOT NULL,
    sender TEXT NOT NULL,
    status INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    send_when INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    leased_until INTEGER,
    lid TEXT,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL
  );
  -- Only messages that may still be delivered (not confirmed 1, not dead 16): fetch and nextDueIn
  -- read the head of this index, so they stay O(log n) however many messages a mailbox holds.
  -- status rides along so counting due messages never reads the table.
  CREATE INDEX messages_due ON messages (receiver, visible_at, seq, status) WHERE status NOT IN (1, 16);
  CREATE INDEX messages_received ON messages (receiver, received_at, seq);
  CREATE INDEX messages_dead ON messages (receiver, seq) WHERE status = 16;
  CREATE TABLE blobs (
    key TEXT PRIMARY KEY,
    bytes BLOB NOT NULL,
    refs INTEGER NOT NULL
  );
  `,
  // 2: why the last delivery failed, and the retry policy of a mailbox (mailboxes are otherwise
  // implicit: a policy may exist for one that holds no message). The policy is JSON, as the model
  // writes it; nothing queries inside it.
  `
  ALTER TABLE messages ADD COLUMN failure_reason TEXT;
  ALTER TABLE messages ADD COLUMN failed_at INTEGER;
  CREATE TABLE mailbox_policies (
    receiver TEXT PRIMARY KEY,
    policy TEXT NOT NULL
  );
  `,
  // 3: priorities and shared bodies (fan-out).
  `
  -- A message's body is stored once per distinct body-without-receiver: the blob column names it.
  -- Blobs written before this step hold the whole body under key = mid, which is what they get.
  ALTER TABLE messages ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN blob TEXT NOT NULL DEFAULT '';
  UPDATE messages SET blob = mid;
  -- Fetch walks the priorities present (at most 21) from the highest down, seeking the due head
  -- of each: O(levels * log n), however many messages wait and however they are spread.
  -- messages_due stays for nextDueIn and the counts, which order by due time alone.
  CREATE INDEX messages_ready ON messages (receiver, priority, visible_at, seq, status) WHERE status NOT IN (1, 16);
  `,
  // 4: bodies inline. A body only one message carries is kept in its own row (`body`): sending it
  // writes no blob row and confirming it deletes none — the blob table's random keys made those the
  // costliest writes of a drain. `in_blobs` says where a message's body is: 1 in `blobs` under
  // `blob` (shared by a fan-out's recipients, and every message written before this step), 0 in
  // `body`. `blob` still names the body's key either way: reads check the bytes against it.
  // Confirming clears `body`; a dead message keeps it (it may be redriven).
  `
  ALTER TABLE messages ADD COLUMN body BLOB;
  ALTER TABLE messages ADD COLUMN in_blobs INTEGER NOT NULL DEFAULT 1;
  `,
  // 5: one index of deliverable messages. messages_ready serves fetch, nextDueIn (the soonest of
  // each priority level's head) and the counts; messages_due, ordered by due time alone, cost every
  // send an insert and every lease and confirm a move or a delete, for reads that are rare.
  `
  DROP INDEX messages_due;
  `,
  // 6: the mid index in two parts (see MidIndex). A unique index on mid put each send's entry on a
  // random leaf of a b-tree that holds every message ever sent: 87 of the ~101 pages a commit of 64
  // sends wrote (measured). `messages` is rebuilt without it; `mids` holds the mids of the rows up
  // to `mids_merged_to`, merged in batches sorted by mid (a leaf takes many entries per write); the
  // rows after it are indexed in memory, read back at open. seq becomes AUTOINCREMENT: a rowid is
  // never given twice, so "every row after mids_merged_to" is exactly what is not merged yet.
  `
  CREATE TABLE messages_v6 (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mid TEXT NOT NULL,
    receiver TEXT NOT NULL,
    sender TEXT NOT NULL,
    status INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    send_when INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    leased_until INTEGER,
    lid TEXT,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL,
    failure_reason TEXT,
    failed_at INTEGER,
    priority INTEGER NOT NULL DEFAULT 0,
    blob TEXT NOT NULL DEFAULT '',
    body BLOB,
    in_blobs INTEGER NOT NULL DEFAULT 1
  );
  INSERT INTO messages_v6 (seq, mid, receiver, sender, status, received_at, send_when, visible_at,
    leased_until, lid, delivery_count, size, failure_reason, failed_at, priority, blob, body, in_blobs)
  SELECT seq, mid, receiver, sender, status, received_at, send_when, visible_at,
    leased_until, lid, delivery_count, size, failure_reason, failed_at, priority, blob, body, in_blobs
  FROM messages;
  DROP TABLE messages;
  ALTER TABLE messages_v6 RENAME TO messages;
  CREATE INDEX messages_received ON messages (receiver, received_at, seq);
  CREATE INDEX messages_dead ON messages (receiver, seq) WHERE status = 16;
  CREATE INDEX messages_ready ON messages (receiver, priority, visible_at, seq, status) WHERE status NOT IN (1, 16);
  CREATE TABLE mids (mid TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO mids (mid, seq) SELECT mid, seq FROM messages ORDER BY mid;
  CREATE TABLE store_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT INTO store_state (name, value) VALUES ('mids_merged_to', COALESCE((SELECT max(seq) FROM messages), 0));
  `,
]

/** The schema version a fully migrated file has (its `PRAGMA user_version`). */
export const SCHEMA_VERSION = MIGRATIONS.length

/**
 * Brings a database up to {@link SCHEMA_VERSION}, each step in its own transaction so a crash
 * leaves the file at a whole version. Refuses a file written by a newer Pandora.
 */
export function migrate(db: BetterSqlite3.Database): number {
  const version = () => db.pragma('user_version', { simple: true }) as number
  // Each step re-reads the version under the write lock, so two processes opening a new file at
  // once do not both run it.
  const step = db.transaction((): boolean => {
    const current = version()
    if (current > SCHEMA_VERSION) {
      throw new PandoraError(
        'unavailable',
        `database schema version ${current} is newer than this Pandora understands (${SCHEMA_VERSION})`,
      )
    }
    if (current === SCHEMA_VERSION) return false
    db.exec(MIGRATIONS[current]!)
    db.pragma(`user_version = ${current + 1}`)
    return true
  })
  while (step.immediate()) {}
  return version()
}
