import { pandoraTestConfig } from '../../vitest.shared.js'

export default pandoraTestConfig({
  include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
  environment: 'node',
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // One browser at a time: the machine has two cores.
  fileParallelism: false,
})
