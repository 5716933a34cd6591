/**
 * The Node entry of `@pandora/client` (picked by the `node` export condition): the same API, with
 * a {@link PandoraClient} that falls back to the `ws` package where Node has no global WebSocket
 * (Node 20 without `--experimental-websocket`). This is the only module that may load `ws`, and it
 * never reaches a browser bundle.
 * @packageDocumentation
 */
import { PandoraClient as BaseClient } from '../client.js'
import type { WebSocketConstructor } from '../websocket-transport.js'

/**
 * {@link BaseClient | PandoraClient} for Node: uses the global WebSocket when there is one, else
 * loads `ws` on first use.
 *
 * @example
 * ```ts
 * import { PandoraClient } from '@pandora/client'
 * const pandora = new PandoraClient({ url: 'http://127.0.0.1:4003' })
 * ```
 */
export class PandoraClient<
  Sender extends string | undefined = string | undefined,
> extends BaseClient<Sender> {
  protected override async loadWebSocket(): Promise<WebSocketConstructor> {
    const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (global) return global
    const ws = await import('ws')
    return ws.WebSocket as unknown as WebSocketConstructor
  }
}

export {
  type BackoffOptions,
  type BatchMessage,
  type BatchMessageFor,
  backoffDelay,
  type ClientFetchOptions,
  type CloseOptions,
  type ConnectionState,
  type ErrorCode,
  ErrorCodes,
  type FetchFunction,
  type FetchManyOptions,
  FieldMap,
  type HeadersOptions,
  type LeaseHolder,
  LeaseKeeper,
  type LeaseKeeperEvent,
  type LeaseKeeperOptions,
  LeaseLostError,
  type LeaseLostKind,
  type LeaseOps,
  type MailboxStats,
  MailboxSubscription,
  MemoryConnection,
  MemoryHub,
  MemoryTransport,
  Message,
  type MessageHandler,
  type MessageRecord,
  type MessageSummary,
  type PandoraClientEvents,
  type PandoraClientOptions,
  PandoraError,
  type ReconnectEvent,
  type ReconnectOptions,
  type RejectOptions,
  type RetryDelayOptions,
  retryDelay,
  type SendArgs,
  type SendOptions,
  type SendResult,
  type ServerInfo,
  type Settlement,
  type SubscribeOptions,
  type Transport,
  type TransportCloseInfo,
  type TransportFactory,
  type TransportHandlers,
  type WebSocketConstructor,
  WebSocketTransport,
} from '../index.js'
