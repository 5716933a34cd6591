import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dropUnsynced } from '../../../reliability/lib/power-loss.mjs'

// The reliability harness's simulated power loss (reliability/lib/power-loss.mjs) decides which
// bytes of the SQLite files survive a kill. A wrong decision reports a healthy store as corrupt
// (or a broken one as sound), so its reading of strace's output is tested here.

let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

/** A database file of `pages` 4 KiB pages, page n filled with byte n + 1, and a trace to read. */
function files(pages: number, trace: (db: string) => string[]) {
  dir = mkdtempSync(join(tmpdir(), 'pandora-power-loss-'))
  const db = join(dir, 'pandora.db')
  writeFileSync(db, Buffer.concat(Array.from({ length: pages }, (_, n) => Buffer.alloc(4096, n + 1))))
  const traceFile = join(dir, 'strace.txt')
  writeFileSync(traceFile, `${trace(db).join('\n')}\n`)
  return { db, traceFile, page: (n: number) => readFileSync(db).subarray(n * 4096, (n + 1) * 4096) }
}

describe('simulated power loss', () => {
  it('a write interrupted by another thread is dropped where it was made, not at the start of the file', () => {
    // Thread 11 (a checkpointer) overwrites page 3; thread 10's fsync of the log lands in between,
    // so strace prints the write in two halves. Page 3 was never synced: it is lost; page 1 (the
    // SQLite header) was not written at all and must come through untouched.
    const { db, traceFile, page } = files(4, (path) => [
      `11 pwrite64(5<${path}>, ""..., 4096, 8192 <unfinished ...>`,
      `10 fsync(6<${path}-wal>) = 0`,
      `11 <... pwrite64 resumed>)              = 4096`,
    ])
    const dropped = dropUnsynced(traceFile, db, { [db]: 4 * 4096, [`${db}-wal`]: 0 })
    expect(dropped.db).toEqual({ zeroed: 4096, cut: 0, unsyncedWrites: 1 })
    expect(page(0).equals(Buffer.alloc(4096, 1))).toBe(true)
    expect(page(2).equals(Buffer.alloc(4096, 0))).toBe(true)
  })

  it('a write followed by an fsync of its file survives; one after the last fsync does not', () => {
    const { db, traceFile, page } = files(4, (path) => [
      `11 pwrite64(5<${path}>, ""..., 4096, 4096) = 4096`,
      `11 fsync(5<${path}> <unfinished ...>`,
      `10 pwrite64(6<${path}-wal>, ""..., 32, 0) = 32`,
      `11 <... fsync resumed>)              = 0`,
      `11 ftruncate(5<${path}>, 12288 <unfinished ...>`,
      `10 fsync(6<${path}-wal>) = 0`,
      `11 <... ftruncate resumed>)              = 0`,
      `11 pwrite64(5<${path}>, ""..., 4096, 12288) = 4096`,
    ])
    const dropped = dropUnsynced(traceFile, db, { [db]: 4 * 4096, [`${db}-wal`]: 0 })
    // Page 2 was synced; page 4, rewritten after the last fsync of the file, was not.
    expect(page(1).equals(Buffer.alloc(4096, 2))).toBe(true)
    expect(page(3).equals(Buffer.alloc(4096, 0))).toBe(true)
    expect(dropped.db).toEqual({ zeroed: 4096, cut: 0, unsyncedWrites: 1 })
  })

  it('refuses a traced call whose offset it cannot read, rather than guess', () => {
    const { db, traceFile } = files(1, (path) => [`11 pwrite64(5<${path}>, ""...) = 4096`])
    expect(() => dropUnsynced(traceFile, db, { [db]: 4096, [`${db}-wal`]: 0 })).toThrow(
      /cannot read the offset/,
    )
  })
})
