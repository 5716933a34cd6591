/** Why a transport closed. */
export interface TransportCloseInfo {
  /** WebSocket close code (1006 when the connection just dropped). */
  code: number
  reason: string
  /** The underlying error, when there was one. */
  error?: unknown
}

/** Callbacks a {@link Transport} reports to once it is open. */
export interface TransportHandlers {
  /** One text frame from the server. */
  onFrame(data: string): void
  /** The connection ended; called at most once, and only after `connect` resolved. */
  onClose(info: TransportCloseInfo): void
}

/**
 * The seam between the client and the network (in the manner of nats.js): one instance per
 * connection attempt. The default speaks WebSocket; {@link MemoryTransport} serves tests; anything
 * else that carries text frames both ways fits.
 */
export interface Transport {
  /** Opens the connection; resolves once frames can be sent, rejects when that fails. */
  connect(url: string, protocol: string, handlers: TransportHandlers): Promise<void>
  /** Sends one text frame. */
  send(data: string): void
  /** Closes the connection; `onClose` follows. */
  close(code?: number, reason?: string): void
}

/** Makes a fresh {@link Transport} for each connection attempt. */
export type TransportFactory = () => Transport
