import { WS_PROTOCOL } from '@pandora/core'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { rawRequest, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'
import { HostPolicy } from './host-policy.js'

let server: PandoraServer
afterEach(async () => server?.close())

/** Opens the WebSocket with the given Host and Origin; resolves with the HTTP status of the answer. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, WS_PROTOCOL, { headers })
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.close()
      resolve(101)
    })
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', reject)
  })
}

describe('host policy', () => {
  it('host - without a token only loopback names are served', () => {
    const hosts = new HostPolicy({ tokenRequired: false, bindHost: '127.0.0.1' })
    for (const host of [
      'localhost',
      'localhost:4003',
      'LOCALHOST:1',
      '127.0.0.1',
      '127.9.8.7:80',
      '[::1]',
      '[::1]:4003',
      undefined,
    ]) {
      expect(hosts.allows(host), String(host)).toBe(true)
    }
    for (const host of [
      'evil.example',
      'evil.example:4003',
      '127.0.0.1.evil.example',
      'localhost.evil.example:4003',
      '192.168.1.5:4003',
      '[::2]:4003',
      '128.0.0.1',
      '127.0.0.1:4003@evil.example',
      '',
    ]) {
      expect(hosts.allows(host), host).toBe(false)
    }
  })

  it('host - configured names, the bound address and (with a token) any name are served', () => {
    const configured = new HostPolicy({
      tokenRequired: false,
      bindHost: '127.0.0.1',
      allowedHosts: ['Pandora.Lan'],
    })
    expect(configured.allows('pandora.lan:4003')).toBe(true)
    expect(configured.allows('other.lan:4003')).toBe(false)
    const bound = new HostPolicy({ tokenRequired: false, bindHost: '192.168.1.5' })
    expect(bound.allows('192.168.1.5:4003')).toBe(true)
    expect(bound.allows('192.168.1.6:4003')).toBe(false)
    expect(bound.allows('evil.example:4003')).toBe(false)
    // On a wildcard bind any IP literal is the machine's own: DNS cannot rebind a literal.
    const wildcard = new HostPolicy({ tokenRequired: false, bindHost: '0.0.0.0' })
    expect(wildcard.allows('10.1.2.3:4003')).toBe(true)
    expect(wildcard.allows('[fe80::1]:4003')).toBe(true)
    expect(wildcard.allows('evil.example:4003')).toBe(false)
    expect(
      new HostPolicy({ tokenRequired: false, bindHost: '127.0.0.1', allowedHosts: ['*'] }).allows(
        'any.example',
      ),
    ).toBe(true)
    expect(new HostPolicy({ tokenRequired: true, bindHost: '127.0.0.1' }).allows('evil.example')).toBe(true)
  })

  it('dns rebinding - a foreign Host is refused with 421 on every route and on the upgrade, even with a matching Origin', async () => {
    server = await startServer()
    const box = uniqueMailbox()
    await server.store.send({ sender: 'a@test', receiver: box, fields: {} })
    const evil = `evil.example:${server.port}`
    const headers = { host: evil, origin: `http://${evil}` }
    const purge = await rawRequest(server.url, {
      method: 'DELETE',
      path: `/v1/mailboxes/${encodeURIComponent(box)}`,
      headers,
    })
    expect(purge.status).toBe(421)
    expect(JSON.parse(purge.text)).toMatchObject({ status: 421, code: 'host_not_allowed' })
    const fetchForm = await rawRequest(server.url, {
      method: 'POST',
      path: '/fetch',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: `receiver=${encodeURIComponent(box)}`,
    })
    expect(fetchForm.status).toBe(421)
    expect(new URLSearchParams(fetchForm.text).get('error')).toMatch(/host/)
    expect((await rawRequest(server.url, { path: '/healthz', headers: { host: evil } })).status).toBe(421)
    expect(await upgradeStatus(server.url, headers)).toBe(421)
    expect(await server.store.stats(box)).toMatchObject({ pending: 1, leased: 0 })
    // The same server answers by its loopback names.
    const local = `localhost:${server.port}`
    expect((await rawRequest(server.url, { path: '/healthz', headers: { host: local } })).status).toBe(200)
    expect(await upgradeStatus(server.url, { host: local, origin: `http://${local}` })).toBe(101)
  })

  it('dns rebinding - a configured host name is served; with a token the Host is not restricted', async () => {
    server = await startServer({ allowedHosts: ['pandora.lan'] })
    const lan = `pandora.lan:${server.port}`
    expect(
      (await rawRequest(server.url, { path: '/v1/info', headers: { host: lan, origin: `http://${lan}` } }))
        .status,
    ).toBe(200)
    expect(await upgradeStatus(server.url, { host: lan })).toBe(101)
    await server.close()
    server = await startServer({ token: 'secret-token-123' })
    const evil = `evil.example:${server.port}`
    const res = await rawRequest(server.url, {
      path: '/v1/mailboxes',
      headers: { host: evil, authorization: 'Bearer secret-token-123' },
    })
    expect(res.status).toBe(200)
  })
})
