import { PandoraError } from '@pandora/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { handshake, toPandoraError, type Welcome } from './handshake.js'
import { isRefusal } from './refusal.js'
import { welcomeFrame } from './testing/fake-server.js'

const welcome = (over: Partial<Welcome> = {}): Welcome => welcomeFrame(over) as Welcome

describe('handshake', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('handshake - an open server is done at the welcome, without sending the token', async () => {
    const authenticate = vi.fn(async () => {})
    const hello = await handshake({
      welcome: Promise.resolve(welcome({ features: ['acks'] })),
      token: 's3cret',
      timeout: 1000,
      authenticate,
    })
    expect(hello.features).toEqual(['acks'])
    expect(authenticate).not.toHaveBeenCalled()
  })

  it('handshake - a server that requires a token gets it before the handshake resolves', async () => {
    const authenticate = vi.fn(async () => {})
    await handshake({
      welcome: Promise.resolve(welcome({ authRequired: true })),
      token: 's3cret',
      timeout: 1000,
      authenticate,
    })
    expect(authenticate).toHaveBeenCalledWith('s3cret')
  })

  it('handshake - a required token that was not given is unauthorized, a final failure', async () => {
    const failure = handshake({
      welcome: Promise.resolve(welcome({ authRequired: true })),
      token: undefined,
      timeout: 1000,
      authenticate: async () => {},
    })
    const error = await failure.then(
      () => undefined,
      (e: unknown) => toPandoraError(e),
    )
    expect(error).toMatchObject({ code: 'unauthorized' })
    expect(error && isRefusal(error)).toBe(true)
  })

  it('handshake - a refused token fails the handshake with the server error', async () => {
    const refusal = new PandoraError('forbidden')
    await expect(
      handshake({
        welcome: Promise.resolve(welcome({ authRequired: true })),
        token: 'bad',
        timeout: 1000,
        authenticate: () => Promise.reject(refusal),
      }),
    ).rejects.toBe(refusal)
  })

  it('handshake - no welcome within the timeout is a timeout, which is worth retrying', async () => {
    vi.useFakeTimers()
    const failure = handshake({
      welcome: new Promise<Welcome>(() => {}),
      token: undefined,
      timeout: 500,
      authenticate: async () => {},
    })
    const outcome = expect(failure).rejects.toMatchObject({ code: 'timeout' })
    await vi.advanceTimersByTimeAsync(500)
    await outcome
    expect(isRefusal(new PandoraError('timeout'))).toBe(false)
  })

  it('handshake - anything thrown that is not a PandoraError becomes unavailable, keeping its cause', () => {
    const cause = new Error('ECONNREFUSED')
    const error = toPandoraError(cause)
    expect(error).toMatchObject({ code: 'unavailable', cause })
  })
})
