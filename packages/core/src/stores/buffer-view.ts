/**
 * A Buffer view of the same memory, no copy: the SQL drivers bind Buffers, not plain
 * `Uint8Array`s. Node-only, like the stores that use it.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
