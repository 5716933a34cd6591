import type { PandoraClient, ServerInfo } from '@pandora/client'
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks'
import { createClient } from './api.js'
import { readInfo } from './clock-offset.js'
import { describeError, tokenProblem } from './link-state.js'
import { Session } from './session.js'
import { Shell } from './shell.js'
import { SignIn } from './sign-in.js'

type Phase =
  | { kind: 'loading' }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'sign-in'; info: ServerInfo; clockOffset: number; reason?: string }
  | {
      kind: 'ready'
      info: ServerInfo
      clockOffset: number
      client: PandoraClient
      token: string | undefined
    }

const RETRY_MS = 3000

/** The console: finds out whether the server wants a token, asks for one if so, then shows the shell. */
export function App() {
  const session = useMemo(() => new Session(globalThis.sessionStorage), [])
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' })
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    let cancelled = false
    const boot = async () => {
      const token = session.token
      const client = createClient(token)
      let info: ServerInfo
      let clockOffset: number
      try {
        ;({ info, clockOffset } = await readInfo(client))
      } catch (error) {
        if (!cancelled) setPhase({ kind: 'unreachable', reason: describeError(error) })
        return
      }
      if (info.authRequired && !token) {
        if (!cancelled) setPhase({ kind: 'sign-in', info, clockOffset })
        return
      }
      try {
        await client.mailboxes()
      } catch (error) {
        const problem = tokenProblem(error)
        if (problem) {
          session.token = undefined
          if (!cancelled)
            setPhase({ kind: 'sign-in', info, clockOffset, reason: `Please sign in again. ${problem}` })
          return
        }
        // Other failures are the shell's to show (lost connection banner); start anyway.
      }
      if (!cancelled) setPhase({ kind: 'ready', info, clockOffset, client, token })
    }
    void boot()
    return () => {
      cancelled = true
    }
  }, [session, attempt])

  // While the server cannot be reached, keep trying: the page recovers by itself.
  useEffect(() => {
    if (phase.kind !== 'unreachable') return
    const timer = setTimeout(() => setAttempt((n) => n + 1), RETRY_MS)
    return () => clearTimeout(timer)
  }, [phase])

  const signOut = useCallback(
    (reason?: string) => {
      session.token = undefined
      if (phase.kind === 'ready') {
        void phase.client.close()
        const { info, clockOffset } = phase
        setPhase(
          reason ? { kind: 'sign-in', info, clockOffset, reason } : { kind: 'sign-in', info, clockOffset },
        )
      }
    },
    [session, phase],
  )

  switch (phase.kind) {
    case 'loading':
      return (
        <div class="splash" role="status">
          <span class="spinner" aria-hidden="true" /> Connecting to Pandora…
        </div>
      )
    case 'unreachable':
      return (
        <div class="splash" role="alert">
          <h1>Cannot reach the Pandora server</h1>
          <p class="muted">{phase.reason}. Retrying every few seconds…</p>
          <button type="button" class="btn" onClick={() => setAttempt((n) => n + 1)}>
            Retry now
          </button>
        </div>
      )
    case 'sign-in':
      return (
        <SignIn
          reason={phase.reason}
          onSignedIn={(token, client) => {
            session.token = token
            setPhase({ kind: 'ready', info: phase.info, clockOffset: phase.clockOffset, client, token })
          }}
        />
      )
    case 'ready':
      return (
        <Shell
          key={phase.token ?? ''}
          client={phase.client}
          info={phase.info}
          clockOffset={phase.clockOffset}
          session={session}
          onSignOut={signOut}
        />
      )
  }
}
