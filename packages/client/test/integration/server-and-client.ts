import { MemoryStore, type Store } from '@pandora/core'
import { createServer, type PandoraServer } from '@pandora/server'
import { PandoraClient, type PandoraClientOptions } from '../../src/index.js'

let counter = 0
/** A mailbox name unique to this run, so tests never see each other's messages. */
export const uniqueMailbox = (tag = 'box'): string =>
  `${tag}-${Date.now().toString(36)}-${(++counter).toString(36)}@client-test`

/** Starts a disposable server on a free port (memory store unless one is given). */
export function startServer(
  options: { store?: Store; port?: number; token?: string; ownsStore?: boolean } = {},
): Promise<PandoraServer> {
  return createServer({
    store: options.store ?? new MemoryStore(),
    port: options.port ?? 0,
    host: '127.0.0.1',
    logger: false,
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.ownsStore === undefined ? {} : { ownsStore: options.ownsStore }),
  })
}

/** A server and a client talking to it; `close()` disposes of both. */
export async function serverAndClient(options: Partial<PandoraClientOptions> & { token?: string } = {}) {
  const server = await startServer(options.token === undefined ? {} : { token: options.token })
  const client = new PandoraClient({
    url: server.url,
    from: 'tests@client',
    reconnect: { initialDelay: 20, maxDelay: 200 },
    ...options,
  })
  return {
    server,
    client,
    async close() {
      await client.close({ timeout: 1000 })
      await server.close()
    },
  }
}

export type { PandoraServer }
