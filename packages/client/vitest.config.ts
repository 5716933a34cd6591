import { pandoraTestConfig } from '../../vitest.shared.js'

export default pandoraTestConfig({
  // Node 20 has no global WebSocket without this flag; msw's WebSocket interception needs one.
  execArgv: ['--experimental-websocket'],
})
