import { PandoraClient } from '@pandora/client'
import { isErrorCode, PandoraError, problemSchema, type SendRequest, sendResponseSchema } from '@pandora/core'

/** The server the console was loaded from (it may sit under a path prefix behind a proxy). */
export function serverUrl(): string {
  return new URL('./', location.href).href.replace(/\/+$/, '')
}

/** The SDK client the console uses for everything but {@link sendExact}. */
export function createClient(token: string | undefined): PandoraClient {
  // One retry only: the console polls anyway, and a lost link should show within seconds.
  return new PandoraClient({
    url: serverUrl(),
    ...(token ? { token } : {}),
    retries: 1,
    requestTimeout: 8000,
  })
}

/**
 * Sends a message with a `clientTime` chosen by the caller. The SDK stamps a fresh `clientTime` on
 * every call, so it cannot re-send the very same body; the console keeps one per draft so that
 * sending an unchanged draft again is the idempotent duplicate the server reports.
 */
export async function sendExact(
  request: Required<Pick<SendRequest, 'receiver' | 'sender' | 'fields' | 'clientTime'>> & { delay?: number },
  token: string | undefined,
): Promise<{ mid: string; duplicate: boolean }> {
  let response: Response
  try {
    response = await fetch(`${serverUrl()}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, application/problem+json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(10_000),
    })
  } catch (cause) {
    throw new PandoraError('unavailable', 'cannot reach the Pandora server', { cause })
  }
  const json: unknown = await response.json().catch(() => undefined)
  if (!response.ok) {
    const problem = problemSchema.safeParse(json)
    if (problem.success) {
      const code = isErrorCode(problem.data.code) ? problem.data.code : 'internal'
      const detail = problem.data.detail
      throw new PandoraError(code, problem.data.title || undefined, detail === undefined ? {} : { detail })
    }
    throw new PandoraError(
      response.status >= 500 ? 'unavailable' : 'invalid_input',
      `HTTP ${response.status}`,
    )
  }
  const parsed = sendResponseSchema.safeParse(json)
  if (!parsed.success) throw new PandoraError('internal', 'unexpected reply to a send')
  return parsed.data
}
