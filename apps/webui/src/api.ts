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
  })
}
