// Simulated power loss for SQLite: pandorad runs under strace, which records every pwrite and
// fsync of the database file and its write-ahead log. After a SIGKILL, every byte written since
// the last fsync of its file is dropped: writes past the synced end of the file are cut off
// (truncate), overwrites inside it are zeroed (a sector that never reached the disk; real
// hardware would keep the old or the new bytes, zeros are the harsher choice for SQLite, whose
// frame checksums must then reject them). The shared-memory index (-shm) is deleted, as a reboot
// loses it. What this does NOT model: reordering of writes that both reached the disk, partially
// written sectors, unsynced directory entries (file creation), and the disk's own write cache.
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs'

const sizeOf = (path) => (existsSync(path) ? statSync(path).size : 0)

/** Sizes of the files before pandorad starts: at that point everything on disk counts as synced. */
export function snapshotSizes(dbPath) {
  return { [dbPath]: sizeOf(dbPath), [`${dbPath}-wal`]: sizeOf(`${dbPath}-wal`) }
}

const OP = /^(\d+)\s+(pwrite64|pwritev|fsync|fdatasync|ftruncate)\(\d+<([^>]*)>(.*)$/

/** Joins strace's `<unfinished ...>` / `<... resumed>` halves, keyed by thread id. */
function lines(text) {
  const pending = new Map()
  const out = []
  for (const line of text.split('\n')) {
    const unfinished = /^(\d+)\s+(.*)<unfinished \.\.\.>$/.exec(line)
    if (unfinished) {
      pending.set(unfinished[1], unfinished[2])
      continue
    }
    const resumed = /^(\d+)\s+<\.\.\. \w+ resumed>(.*)$/.exec(line)
    if (resumed) {
      const head = pending.get(resumed[1])
      pending.delete(resumed[1])
      if (head) out.push(`${resumed[1]} ${head}${resumed[2]}`)
      continue
    }
    out.push(line)
  }
  return out
}

/**
 * A numeric argument of a traced call. A line joined from strace's `<unfinished ...>` and
 * `<... resumed>` halves has a space before its closing parenthesis; the parse once missed those
 * and took the offset as 0, so a write interrupted by another thread's call (the checkpointer's,
 * say) was recorded — and zeroed — at the start of the file. A line it cannot read stops the run.
 */
function argument(pattern, rest, line) {
  const m = pattern.exec(rest)
  if (!m) throw new Error(`power-loss: cannot read the offset or size of: ${line}`)
  return Number(m[1])
}

/**
 * Drops the unsynced writes recorded in `traceFile` from the files of `dbPath`, given their sizes
 * when the trace began. Returns what it dropped, per file.
 */
export function dropUnsynced(traceFile, dbPath, initialSizes) {
  const files = new Map(
    [dbPath, `${dbPath}-wal`].map((p) => [
      p,
      { extent: initialSizes[p] ?? 0, synced: initialSizes[p] ?? 0, dirty: [] },
    ]),
  )
  for (const line of lines(readFileSync(traceFile, 'utf8'))) {
    const m = OP.exec(line)
    if (!m) continue
    const [, , op, path, rest] = m
    const f = files.get(path)
    if (!f) continue
    const result = /=\s*(-?\d+)/.exec(rest)
    if (!result || Number(result[1]) < 0) continue
    if (op === 'fsync' || op === 'fdatasync') {
      f.dirty = []
      f.synced = f.extent
    } else if (op === 'ftruncate') {
      f.extent = argument(/^,\s*(\d+)\s*\)/, rest, line)
    } else {
      const offset = argument(/,\s*(\d+)\s*\)\s*=/, rest, line)
      const length = Number(result[1])
      f.dirty.push([offset, length])
      f.extent = Math.max(f.extent, offset + length)
    }
  }
  const dropped = {}
  for (const [path, f] of files) {
    if (!existsSync(path)) continue
    let zeroed = 0
    const fd = openSync(path, 'r+')
    try {
      for (const [offset, length] of f.dirty) {
        const end = Math.min(offset + length, f.synced)
        if (end <= offset) continue
        writeSync(fd, Buffer.alloc(end - offset), 0, end - offset, offset)
        zeroed += end - offset
      }
    } finally {
      closeSync(fd)
    }
    const size = statSync(path).size
    const cut = Math.max(0, size - f.synced)
    if (cut > 0) truncateSync(path, f.synced)
    dropped[path.endsWith('-wal') ? 'wal' : 'db'] = { zeroed, cut, unsyncedWrites: f.dirty.length }
  }
  if (existsSync(`${dbPath}-shm`)) unlinkSync(`${dbPath}-shm`)
  return dropped
}
