import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer, readTokenFile, type TokenEntry, VERSION } from '@pandora/server'
import { ConfigError, helpText, parseConfig } from './config.js'
import { createLogger } from './logger.js'
import { openStore } from './open-store.js'

const here = dirname(fileURLToPath(import.meta.url))

async function main(): Promise<void> {
  let config: ReturnType<typeof parseConfig>
  try {
    config = parseConfig(process.argv.slice(2), process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`pandorad: ${error.message}\nRun pandorad --help for the options.`)
    process.exit(2)
  }
  if (config === 'help') return console.log(helpText())
  if (config === 'version') return console.log(VERSION)

  const logger = createLogger(config.logLevel, config.logFormat)
  const tokens: TokenEntry[] = config.tokenFile ? readTokenFile(config.tokenFile) : []
  const store = await openStore(config, (error) => logger.warn({ err: error }, 'store error'))
  const webRoot = join(here, 'webui')
  const server = await createServer({
    store,
    port: config.port,
    host: config.host,
    ...(config.token ? { token: config.token } : {}),
    tokens,
    allowedOrigins: config.allowOrigins,
    allowedHosts: config.allowHosts,
    ...(config.webui && existsSync(join(webRoot, 'index.html')) ? { webRoot } : {}),
    logger,
  })
  // Log lines are written asynchronously: flush them before exiting, or the last ones (the very
  // lines saying how the shutdown went) are lost when stdout is a pipe.
  const exit = (code: number) => logger.flush(() => process.exit(code))
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down: finishing requests, giving back leases, closing the store')
    // Requests get 10 s to finish and peers 1 s to answer the close handshake; past this, give up.
    setTimeout(() => {
      logger.error('shutdown took too long; exiting')
      exit(1)
    }, 20_000).unref()
    server.close().then(
      () => {
        logger.info('stopped')
        // Everything is closed: let the process end by itself, so stdout drains its last lines
        // (an explicit exit could cut a pipe's pending write). The deadline above still holds.
        process.exitCode = 0
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        exit(1)
      },
    )
  }
  // The handlers go in before the line announcing the server. Whoever reads that line (a
  // supervisor, a test, a person) may signal at once, and on a busy machine this thread may not
  // run another statement before the signal lands: without a handler, SIGTERM kills the process
  // outright (no graceful stop; `npm start` then dies of the signal too).
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  logger.info(
    {
      url: server.url,
      store: store.kind,
      ...(config.store === 'sqlite' ? { db: config.db } : {}),
      version: VERSION,
    },
    `pandorad listening on ${server.url}`,
  )
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error)
  console.error(`pandorad: cannot start: ${message}`)
  process.exit(1)
})
