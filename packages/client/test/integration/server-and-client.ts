import type { PandoraServer } from '@pandora/server'
// One unique-mailbox generator and one disposable server for every workspace's tests.
import { startServer } from '../../../../test-support/server.js'
import { PandoraClient, type PandoraClientOptions } from '../../src/index.js'

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

export { startServer, uniqueMailbox } from '../../../../test-support/server.js'
export type { PandoraServer }
