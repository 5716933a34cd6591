import type { PandoraClient } from '@pandora/client'
import { useState } from 'preact/hooks'
import { createClient } from './api.js'
import { describeError, tokenProblem } from './link-state.js'

/** Asks for the server's token and checks it before keeping it for the session. */
export function SignIn(props: {
  reason?: string | undefined
  onSignedIn: (token: string, client: PandoraClient) => void
}) {
  const [token, setToken] = useState('')
  const [error, setError] = useState<string | undefined>(props.reason)
  const [busy, setBusy] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    const value = token.trim()
    if (value === '') {
      setError('Enter the token the server was started with.')
      return
    }
    setBusy(true)
    setError(undefined)
    const client = createClient(value)
    try {
      await client.mailboxes()
      props.onSignedIn(value, client)
    } catch (e) {
      setError(tokenProblem(e) ?? `Could not check the token: ${describeError(e)}`)
      setBusy(false)
    }
  }

  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={submit} noValidate>
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          Pandora
        </div>
        <h1>Sign in</h1>
        <p class="muted">This server requires a token. It is kept for this browser tab only.</p>
        <label for="token">Access token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'token-error' : undefined}
          autofocus
        />
        {error && (
          <p id="token-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
