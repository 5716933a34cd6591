// The protocol's constants, apart from its schemas: clients import them without zod.

/** The WebSocket subprotocol of this version of the frames. */
export const WS_PROTOCOL = 'pandora.v1'
/** Most subscriptions one socket may hold unless the server is configured otherwise. */
export const WS_MAX_SUBSCRIPTIONS = 64
/** Most items one `acks` frame may carry. */
export const WS_MAX_ACKS = 64
/**
 * Largest frame a server accepts from a client, in bytes; a larger one closes the socket (1009).
 * Room for a `send` frame of many messages; each message is still held to the store's `maxSize`.
 */
export const WS_MAX_CLIENT_FRAME_BYTES = 1024 * 1024
/** Most messages one `send` frame may carry. */
export const WS_MAX_SENDS = 256

/**
 * Close codes of the protocol: the standard ones Pandora uses and its own (4000–4999).
 * A client must not reconnect after `unauthorized` or `forbidden` without a new token.
 */
export const WS_CLOSE = {
  /** The client closed on purpose. */
  normal: 1000,
  /** The server is shutting down; reconnect (to another instance). */
  goingAway: 1001,
  /** A frame over {@link WS_MAX_CLIENT_FRAME_BYTES}. */
  tooBig: 1009,
  /** The client's handshake failed (no or a wrong welcome). */
  handshakeFailed: 4000,
  /** No pong within two heartbeats: the peer is gone. */
  heartbeatTimeout: 4001,
  /** No valid token in time (no `auth` frame, or a wrong one). */
  unauthorized: 4401,
  /**
   * A slow consumer: the socket's send buffer stayed over its limit for the grace period. Its
   * leases were given back first; reconnect, and read faster or take a smaller `prefetch`.
   */
  slowConsumer: 4408,
} as const

/** Optional frames a server of this version understands, announced in its welcome. */
export const WS_FEATURES = [
  'acks',
  'messages',
  'send',
  'send-batch',
  'retry-policy',
  'lost',
  'watch',
] as const

/**
 * What a `watch` frame reports of a mailbox's messages: `sent` (stored, not a duplicate), `leased`
 * (fetched or pushed), `acked`, `rejected` (or given back), `redriven`, `purged`. A message that goes
 * dead does so inside a fetch: its mailbox's `dead` count tells.
 */
export const WATCH_EVENT_KINDS = ['sent', 'leased', 'acked', 'rejected', 'redriven', 'purged'] as const
/** One kind of {@link WATCH_EVENT_KINDS}. */
export type WatchEventKind = (typeof WATCH_EVENT_KINDS)[number]
/** Most mids one event of a `changes` frame lists (its `count` tells how many there were). */
export const WATCH_MAX_MIDS = 64
