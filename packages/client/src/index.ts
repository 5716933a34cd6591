/**
 * `@pandora/client`: the isomorphic SDK of Pandora. Send and fetch over HTTP; subscribe over one
 * shared WebSocket with lease renewal, auto-ack and reconnection. Browser-safe: no Node built-ins;
 * Node without a global WebSocket gets the `ws` package through the package's `node` entry.
 * @packageDocumentation
 */
export type { PolicyResponse, SendResult, WireRetryPolicy as RetryPolicy } from '@pandora/core'
export {
  type ErrorCode,
  ErrorCodes,
  LEASE_EXPIRED_REASON,
  PandoraError,
  REASON_MAX_BYTES,
  truncateReason,
} from '@pandora/core/protocol'
export { type BackoffOptions, backoffDelay, type RetryDelayOptions, retryDelay } from './backoff.js'
export { PandoraClient } from './client.js'
export type {
  BatchMessage,
  BatchMessageFor,
  ClientFetchOptions,
  FetchManyOptions,
  HeadersOptions,
  MailboxStats,
  PandoraClientEvents,
  PandoraClientOptions,
  SendArgs,
  SendOptions,
} from './client-options.js'
export type { ConnectionState } from './connection.js'
export { FieldMap } from './field-map.js'
export type { FetchFunction } from './http-api.js'
export {
  type LeaseHolder,
  LeaseKeeper,
  type LeaseKeeperEvent,
  type LeaseKeeperOptions,
} from './lease-keeper.js'
export { LeaseLostError, type LeaseLostKind } from './lease-lost-error.js'
export {
  type CloseOptions,
  MailboxSubscription,
  type MessageHandler,
  type SubscribeOptions,
} from './mailbox-subscription.js'
export type {
  MailboxWatch,
  WatchChange,
  WatchOptions,
  WatchState,
} from './mailbox-watch.js'
export { MemoryConnection, MemoryHub, MemoryTransport } from './memory-transport.js'
export {
  type LeaseOps,
  Message,
  type MessageRecord,
  type MessageSummary,
  type RejectOptions,
  type Settlement,
} from './message.js'
export type { ReconnectEvent, ReconnectOptions } from './reconnect-policy.js'
export type { ServerInfo } from './server-info.js'
export type { Transport, TransportCloseInfo, TransportFactory, TransportHandlers } from './transport.js'
export { type WebSocketConstructor, WebSocketTransport } from './websocket-transport.js'
