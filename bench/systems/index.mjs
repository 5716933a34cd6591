// The systems the harness measures, each an adapter with the same interface:
//   setup(tier) → info, attach(info), prepare(queue, { lease }), send(queue, [{ data, delay }]),
//   consume(queue, { concurrency, mode, lease, poll }, handler) → { ready, close() },
//   hold(queue, n, lease), drop(queue), teardown(); Pandora adds fetchOne(queue).
import { bullmq } from './bullmq.mjs'
import { pandora } from './pandora.mjs'
import { pgboss } from './pgboss.mjs'

export const systems = {
  'pandora-sqlite': () => pandora('sqlite'),
  'pandora-postgres': () => pandora('postgres'),
  bullmq,
  pgboss,
}
