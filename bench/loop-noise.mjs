// The event-loop delay an idle main thread sees on this machine while another thread works, with
// no work of the main thread's own: the floor under admin-stall.mjs's "longest loop stall".
//   node bench/loop-noise.mjs
// For 300 ms, five times each: nothing; a worker thread that only computes; one that allocates
// short-lived objects (as a read worker counting ten thousand mailboxes does). Prints the longest
// and the 99th percentile loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution).
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'

const loads = {
  idle: null,
  compute: 'let x = 0; while (Date.now() - t < 300) x++',
  allocate:
    "let a = []; while (Date.now() - t < 300) { a.push({ n: Math.random(), s: 'x' + Math.random() }); if (a.length > 1000) a = [] }",
}
const histogram = monitorEventLoopDelay({ resolution: 1 })
console.log('| other thread | longest loop delay ms (5 runs) | p99 ms |\n| --- | --- | --: |')
for (const [name, body] of Object.entries(loads)) {
  const longest = []
  let p99 = 0
  for (let run = 0; run < 5; run++) {
    histogram.reset()
    histogram.enable()
    if (body === null) await new Promise((resolve) => setTimeout(resolve, 300))
    else {
      const source = `const t = Date.now(); ${body}; require('node:worker_threads').parentPort.postMessage(0)`
      const worker = new Worker(source, { eval: true })
      await new Promise((resolve) => worker.once('message', resolve))
      await worker.terminate()
    }
    histogram.disable()
    longest.push((histogram.max / 1e6).toFixed(1))
    p99 = Math.max(p99, histogram.percentile(99) / 1e6)
  }
  console.log(`| ${name} | ${longest.join(', ')} | ${p99.toFixed(1)} |`)
}
