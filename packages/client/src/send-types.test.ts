import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PandoraClient } from './client.js'

// These cases are checked twice: by tsc (`npm run typecheck` fails when a `@ts-expect-error` line
// compiles, i.e. when the types stop demanding a sender) and at run time.
const BASE = 'http://pandora.test'
const server = setupServer(
  http.post(`${BASE}/v1/messages`, async ({ request }) => {
    const { sender } = (await request.json()) as { sender: string }
    return HttpResponse.json({ mid: sender.padEnd(40, '0').slice(0, 40), duplicate: false }, { status: 201 })
  }),
  http.post(`${BASE}/v1/messages/batch`, () => HttpResponse.json({ results: [] })),
)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

describe('send types', () => {
  it('send types - without a default sender, a send must name its sender', async () => {
    const pandora = new PandoraClient({ url: BASE })
    // @ts-expect-error: no `from` here and none on the client
    await expect(pandora.send('b@x', { k: 'v' })).rejects.toMatchObject({ code: 'invalid_mailbox' })
    // @ts-expect-error: options without `from`
    await expect(pandora.send('b@x', { k: 'v' }, { delay: 5 })).rejects.toMatchObject({
      code: 'invalid_mailbox',
    })
    // @ts-expect-error: a batch message without `from`
    await expect(pandora.sendBatch([{ receiver: 'b@x', fields: {} }])).rejects.toMatchObject({
      code: 'invalid_mailbox',
    })
    await expect(pandora.send('b@x', { k: 'v' }, { from: 'a@x' })).resolves.toMatchObject({
      duplicate: false,
    })
    await expect(pandora.sendBatch([{ receiver: 'b@x', fields: {}, from: 'a@x' }])).resolves.toEqual([])
  })

  it('send types - a client with a default sender sends without naming one', async () => {
    const pandora = new PandoraClient({ url: BASE, from: 'default@x' })
    const { mid } = await pandora.send('b@x', { k: 'v' })
    expect(mid.startsWith('default@x')).toBe(true)
    await expect(pandora.sendBatch([{ receiver: 'b@x', fields: {} }])).resolves.toEqual([])
  })

  it('send types - a client typed loosely must name the sender, since it may have no default', async () => {
    const from: string | undefined = process.env.PANDORA_TEST_NO_SUCH_VARIABLE
    const pandora: PandoraClient = new PandoraClient({ url: BASE, ...(from ? { from } : {}) })
    // @ts-expect-error: `PandoraClient` alone does not promise a default sender
    await expect(pandora.send('b@x', { k: 'v' })).rejects.toMatchObject({ code: 'invalid_mailbox' })
  })
})
