// Test preload (`node --require`): stands in for the scheduler pausing pandorad at the worst moment.
// When pandorad writes its "listening" line, the line goes out at once, then the main thread stops
// right there, before its next statement, until the test writes a byte to fd 3 — by which time the
// test has already signalled it. Nothing is timed: the test decides when the thread goes on.
const fs = require('node:fs')

const write = fs.write
fs.write = function (fd, data, ...rest) {
  const done = rest.at(-1)
  if (typeof done !== 'function' || !String(data).includes('"msg":"pandorad listening')) {
    return write.call(this, fd, data, ...rest)
  }
  const written = fs.writeSync(fd, data)
  fs.readSync(3, Buffer.alloc(1))
  process.nextTick(done, null, written)
}
