/**
 * Mailbox names for tests, shared by every workspace (core's store suite, the server's and the
 * client's tests). No Node built-ins: browser tests may use it too.
 */

let counter = 0
/** Differs between test workers (separate module instances) that start in the same millisecond. */
const run = Math.random().toString(36).slice(2, 8)

/**
 * A mailbox name unique to this test run, so tests never see each other's messages even on a
 * shared store: `<tag>-<time>-<run>-<n>@<domain>`.
 *
 * @example
 * const box = uniqueMailbox('orders') // 'orders-lx3k2p-9fq1ze-1@test'
 */
export function uniqueMailbox(tag = 'box', domain = 'test'): string {
  return `${tag}-${Date.now().toString(36)}-${run}-${(++counter).toString(36)}@${domain}`
}
