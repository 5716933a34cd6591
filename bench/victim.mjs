// The consumer the "kill" scenario kills: takes `n` messages, never settles them, prints "held".
//   node bench/victim.mjs <system> <info json> <queue> <n> <lease ms>
import { systems } from './systems/index.mjs'

const [name, info, queue, n, lease] = process.argv.slice(2)
setTimeout(() => process.exit(1), 60_000) // never outlive the run, even if nobody kills us
const sys = systems[name]()
await sys.attach(JSON.parse(info))
await sys.hold(queue, Number(n), Number(lease))
process.stdout.write('held\n')
