import type { Store } from '@pandora/core'
import type { Logger } from 'pino'
import type { TokenAuth } from './auth.js'
import type { Metrics } from './metrics.js'
import type { PushHub } from './push/push-hub.js'

/** What every route and socket of one server shares. */
export interface ServerContext {
  readonly store: Store
  readonly hub: PushHub
  readonly auth: TokenAuth
  readonly metrics: Metrics
  readonly logger: Logger
  readonly version: string
  readonly maxSize: number
  /** Largest body of a single-message request, bytes. */
  readonly bodyLimit: number
  /** Largest body of a batch request, bytes. */
  readonly batchBodyLimit: number
  /** True once shutdown began: long polls answer at once. */
  readonly closing: boolean
}
