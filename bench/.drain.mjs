import { PandoraClient } from '@pandora/client'

const url = 'http://127.0.0.1:4021'
const client = new PandoraClient({ url })
const N = 30000
for (let sent = 0; sent < N; sent += 256)
  await client.sendBatch(
    Array.from({ length: 256 }, (_, k) => ({
      receiver: 'd@b',
      from: 'b@b',
      fields: { i: String(sent + k) },
    })),
  )
let acked = 0,
  done
const fin = new Promise((r) => (done = r))
const t = performance.now()
const sub = client.subscribe(
  'd@b',
  async () => {
    if (++acked === N) done()
  },
  { prefetch: 64, leaseTime: 30000 },
)
await fin
console.log('drain msg/s', N / ((performance.now() - t) / 1000))
await sub.close()
await client.close()
