import { sha1 } from '@noble/hashes/legacy.js'
import { PandoraError } from './errors.js'

/** Length of a content key in bytes (SHA-1). */
export const KEY_BYTES = 20
/** Length of a printed key: lower-case hex. */
export const KEY_HEX_LENGTH = KEY_BYTES * 2

const HEX = /^[0-9a-fA-F]*$/

/**
 * Parses a printed key (40 hex characters) into its canonical lower-case form, with the original
 * server's errors: longer input is `key is too short` (its wording: the key is too short to hold
 * the input), shorter input is `input is to short to process`.
 *
 * @example
 * ```ts
 * parseKey('A94A8FE5CCB19BA61C4C0873D391E987982FBBD3') // 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3'
 * ```
 */
export function parseKey(input: string): string {
  if (typeof input !== 'string') throw new PandoraError('invalid_key')
  if (input.length > KEY_HEX_LENGTH) throw new PandoraError('key_too_short')
  if (input.length < KEY_HEX_LENGTH) throw new PandoraError('input_too_short')
  if (!HEX.test(input)) throw new PandoraError('invalid_key')
  return normalizeKey(input)
}

/**
 * A printed key (a mid or a lid) in its canonical lower-case form, without checking it: for keys a
 * schema has already checked, looked up where they are kept lower-case. Use {@link parseKey} on
 * unchecked input.
 *
 * @example
 * ```ts
 * leases.get(normalizeKey(frame.mid))
 * ```
 */
export function normalizeKey(input: string): string {
  return input.toLowerCase()
}

/** True when `input` is a canonical printed key (40 lower-case hex characters). */
export function isKey(input: unknown): input is string {
  return typeof input === 'string' && input.length === KEY_HEX_LENGTH && /^[0-9a-f]+$/.test(input)
}

/** Lower-case hex of some bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}

/** Bytes of a hex string (of even length; validate with {@link parseKey} first for keys). */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !HEX.test(hex)) throw new PandoraError('invalid_key')
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

type NativeHash = (algorithm: string, data: Uint8Array | string, encoding: 'hex') => string

/**
 * Node's one-shot native hash (`crypto.hash`, Node ≥ 20.12), looked up without importing
 * `node:crypto`, so this module stays browser-safe; undefined in browsers and older runtimes.
 */
const nativeHash: NativeHash | undefined = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const crypto = proc?.getBuiltinModule?.('node:crypto') as { hash?: NativeHash } | undefined
  return typeof crypto?.hash === 'function' ? crypto.hash : undefined
})()

/**
 * The content key of some bytes: their SHA-1, printed as lower-case hex. Runs in Node and in
 * browsers alike, synchronously: Node's native one-shot hash where there is one (~0.5 µs for a
 * small body), else a pure-JS SHA-1 from @noble/hashes (~3 µs, still several times faster than
 * WebCrypto's asynchronous digest, whose per-call overhead dominated the send path in profiles).
 */
export function contentKeySync(bytes: Uint8Array | string): string {
  if (nativeHash) return nativeHash('sha1', bytes, 'hex')
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes
  return toHex(sha1(data))
}

/** {@link contentKeySync}, as a promise (kept for callers that treat hashing as I/O). */
export async function contentKey(bytes: Uint8Array | string): Promise<string> {
  return contentKeySync(bytes)
}

// Random bytes are drawn in blocks: one getRandomValues call per lease cost more than the lease.
const POOL_BYTES = 4096
let pool = new Uint8Array(0)
let poolOffset = 0

/** A new lease id: 160 random bits (from the platform's CSPRNG), printed as hex. */
export function newLeaseId(): string {
  if (poolOffset + KEY_BYTES > pool.length) {
    pool = new Uint8Array(POOL_BYTES)
    globalThis.crypto.getRandomValues(pool)
    poolOffset = 0
  }
  const id = toHex(pool.subarray(poolOffset, poolOffset + KEY_BYTES))
  poolOffset += KEY_BYTES
  return id
}
