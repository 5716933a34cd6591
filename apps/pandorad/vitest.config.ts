import { pandoraTestConfig } from '../../vitest.shared.js'

export default pandoraTestConfig()
