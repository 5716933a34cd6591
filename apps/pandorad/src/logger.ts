import { type Logger, pino } from 'pino'
import pretty from 'pino-pretty'

/**
 * pandorad's logger: JSON lines for machines (log shippers, `jq`), or a readable, coloured form
 * for a person at a terminal. `format` undefined picks pretty when stdout is a terminal. The
 * pretty stream writes synchronously, so the last lines before an exit are never lost.
 */
export function createLogger(level: string, format: 'json' | 'pretty' | undefined): Logger {
  const usePretty = format === 'pretty' || (format === undefined && process.stdout.isTTY === true)
  const options = { name: 'pandorad', level }
  if (!usePretty) return pino(options)
  return pino(
    options,
    pretty({ sync: true, colorize: process.stdout.isTTY === true, ignore: 'pid,hostname' }),
  )
}
