import { PandoraError } from '@pandora/core/protocol'
import type { Transport, TransportHandlers } from './transport.js'

/**
 * A WebSocket class: the browser's or Node's global `WebSocket`, the `ws` package's, or any
 * compatible one (`addEventListener` for open/message/close/error, `send`, `close`).
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => object

interface SocketEvent {
  data?: unknown
  code?: number
  reason?: string
  error?: unknown
  message?: string
}

// The part of a WebSocket this transport uses; method syntax keeps DOM and `ws` sockets assignable.
interface SocketLike {
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: string, listener: (event: SocketEvent) => void): void
}

const decoder = new TextDecoder()

function frameText(data: unknown): string | undefined {
  if (typeof data === 'string') return data
  if (data instanceof ArrayBuffer) return decoder.decode(data)
  if (ArrayBuffer.isView(data)) return decoder.decode(data)
  return undefined
}

/** The default {@link Transport}: a WebSocket, its class given directly or loaded on first use. */
export class WebSocketTransport implements Transport {
  readonly #load: () => Promise<WebSocketConstructor> | WebSocketConstructor
  #socket: SocketLike | undefined

  constructor(webSocket: WebSocketConstructor | (() => Promise<WebSocketConstructor>)) {
    // A class has a prototype; a loader (arrow or async function) has none.
    this.#load =
      'prototype' in webSocket && webSocket.prototype !== undefined
        ? () => webSocket as WebSocketConstructor
        : (webSocket as () => Promise<WebSocketConstructor>)
  }

  async connect(url: string, protocol: string, handlers: TransportHandlers): Promise<void> {
    const WebSocketClass = await this.#load()
    const socket = new WebSocketClass(url, [protocol]) as SocketLike
    this.#socket = socket
    await new Promise<void>((resolve, reject) => {
      let open = false
      let closed = false
      socket.addEventListener('open', () => {
        open = true
        resolve()
      })
      socket.addEventListener('message', (event) => {
        const text = frameText(event.data)
        if (text !== undefined) handlers.onFrame(text)
      })
      socket.addEventListener('error', (event) => {
        if (!open) {
          reject(
            new PandoraError('unavailable', `cannot open WebSocket ${url}`, { cause: event.error ?? event }),
          )
        }
      })
      socket.addEventListener('close', (event) => {
        if (closed) return
        closed = true
        if (!open) {
          reject(new PandoraError('unavailable', `WebSocket ${url} closed before it opened`))
          return
        }
        handlers.onClose({ code: event.code ?? 1006, reason: event.reason ?? '' })
      })
    })
  }

  send(data: string): void {
    if (!this.#socket) throw new PandoraError('connection_lost', 'not connected')
    this.#socket.send(data)
  }

  close(code = 1000, reason = ''): void {
    try {
      this.#socket?.close(code, reason)
    } catch {
      // Closing a socket that never opened may throw in some implementations; it is gone either way.
    }
  }
}
