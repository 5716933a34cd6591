import { PandoraClient } from '@pandora/client'

/** The server the console was loaded from (it may sit under a path prefix behind a proxy). */
export function serverUrl(): string {
  return new URL('./', location.href).href.replace(/\/+$/, '')
}

/** The SDK client the console uses for every request. */
export function createClient(token: string | undefined): PandoraClient {
  // One retry only: the console polls anyway, and a lost link should show within seconds.
  return new PandoraClient({
    url: serverUrl(),
    ...(token ? { token } : {}),
    retries: 1,
    requestTimeout: 8000,
    // The live stream's socket: back soon after the server is; the views poll meanwhile.
    reconnect: { initialDelay: 250, maxDelay: 5000 },
  })
}
