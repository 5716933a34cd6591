/**
 * `@pandora/server`: Pandora's HTTP API (the original form API and a JSON API), WebSocket push,
 * auth, limits and metrics, to embed or to run through `pandorad`.
 * @packageDocumentation
 */
export { type Principal, readTokenFile, TokenAuth, type TokenEntry, type TokenScopes } from './auth.js'
export { createServer, type PandoraServer, type ServerOptions } from './create-server.js'
export { openApiDocument } from './openapi.js'
export { PushHub, type PushTarget } from './push/push-hub.js'
export { VERSION } from './version.js'
