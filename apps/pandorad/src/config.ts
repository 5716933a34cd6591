import { parseArgs } from 'node:util'

/** Everything pandorad can be told, after flags and environment are merged. */
export interface Config {
  port: number
  host: string
  store: 'sqlite' | 'postgres' | 'memory'
  db: string
  sqliteSync: 'full' | 'normal'
  /** Where SQLite's WAL checkpoints run: on the event loop (`inline`) or on a worker thread. */
  sqliteCheckpoints: 'inline' | 'background'
  postgresUrl: string | undefined
  postgresSchema: string
  maxSize: number | undefined
  maxDeliveries: number | undefined
  token: string | undefined
  tokenFile: string | undefined
  allowOrigins: string[]
  allowHosts: string[]
  logLevel: string
  /** `pretty` for people, `json` for machines; undefined: pretty on a terminal. */
  logFormat: 'json' | 'pretty' | undefined
  webui: boolean
}

/** One option: its flag, environment variable, default and help. */
interface Option {
  flag: string
  /** The flag's name in upper case with `PANDORA_` before it: one name for both. */
  env: string
  /** Older names of the variable, still read when `env` is unset. */
  aliases?: string[]
  help: string
  default?: string
}

export const OPTIONS: Option[] = [
  { flag: 'port', env: 'PANDORA_PORT', default: '4003', help: 'TCP port (0 picks a free one)' },
  {
    flag: 'host',
    env: 'PANDORA_HOST',
    default: '127.0.0.1',
    help: 'address to bind; anything but loopback needs a token',
  },
  { flag: 'store', env: 'PANDORA_STORE', default: 'sqlite', help: 'sqlite | postgres | memory' },
  { flag: 'db', env: 'PANDORA_DB', default: './pandora.db', help: 'SQLite file' },
  {
    flag: 'sqlite-sync',
    env: 'PANDORA_SQLITE_SYNC',
    default: 'full',
    help: 'full (fsync before every reply) | normal',
  },
  {
    flag: 'sqlite-checkpoints',
    env: 'PANDORA_SQLITE_CHECKPOINTS',
    default: 'background',
    help: 'background (WAL checkpoints on a worker thread) | inline (on the event loop); see docs/stores.md',
  },
  {
    flag: 'postgres-url',
    env: 'PANDORA_POSTGRES_URL',
    help: 'PostgreSQL connection URL (for --store postgres)',
  },
  { flag: 'postgres-schema', env: 'PANDORA_POSTGRES_SCHEMA', default: 'pandora', help: 'PostgreSQL schema' },
  { flag: 'max-size', env: 'PANDORA_MAX_SIZE', default: '4096', help: 'largest encoded message body, bytes' },
  {
    flag: 'max-deliveries',
    env: 'PANDORA_MAX_DELIVERIES',
    default: '10',
    help: 'leases before a message is dead; 0: never',
  },
  { flag: 'token', env: 'PANDORA_TOKEN', help: 'one shared secret with every right' },
  {
    flag: 'token-file',
    env: 'PANDORA_TOKEN_FILE',
    help: 'JSON file of scoped tokens (see docs/security.md)',
  },
  {
    flag: 'allow-origin',
    env: 'PANDORA_ALLOW_ORIGIN',
    aliases: ['PANDORA_ALLOW_ORIGINS'],
    help: "origins of pages elsewhere that may call, comma-separated (scheme://host:port; the server's own always may)",
  },
  {
    flag: 'allow-host',
    env: 'PANDORA_ALLOW_HOST',
    aliases: ['PANDORA_ALLOW_HOSTS'],
    help: 'Host names served without a token besides loopback and the bound address, comma-separated',
  },
  {
    flag: 'log-level',
    env: 'PANDORA_LOG_LEVEL',
    default: 'info',
    help: 'trace | debug | info | warn | error | silent (debug adds a line per request)',
  },
  {
    flag: 'log-format',
    env: 'PANDORA_LOG_FORMAT',
    help: 'json | pretty (default: pretty on a terminal, JSON lines otherwise)',
  },
  { flag: 'no-webui', env: 'PANDORA_NO_WEBUI', help: 'do not serve the web console' },
]

/** The text of `pandorad --help`. */
export function helpText(): string {
  const rows = OPTIONS.map((o) => {
    const left = `  --${o.flag}${o.flag === 'no-webui' ? '' : ' <value>'}`
    const def = o.default ? ` (default ${o.default})` : ''
    const aliases = o.aliases?.length ? ` (or ${o.aliases.join(', ')})` : ''
    return `${left.padEnd(30)}${o.help}${def}\n${''.padEnd(30)}env ${o.env}${aliases}`
  })
  return [
    'pandorad — the Pandora mailbox server',
    '',
    'Usage: pandorad [options]',
    '',
    'Options (each also read from its environment variable; a flag wins):',
    ...rows,
    '  --help                      show this help',
    '  --version                   print the version',
    '',
    'Example: pandorad --port 4003 --db ./pandora.db',
  ].join('\n')
}

/** A bad flag or value: the process prints it and exits 2. */
export class ConfigError extends Error {}

function int(name: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new ConfigError(`--${name} must be a whole number from ${min} to ${max}`)
  return n
}

/** A comma-separated list, trimmed, without empty items. */
function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** Merges flags and environment into a {@link Config}; throws {@link ConfigError} on bad input. */
export function parseConfig(
  argv: string[],
  env: Record<string, string | undefined>,
): Config | 'help' | 'version' {
  const values = (() => {
    try {
      return parseArgs({
        args: argv,
        options: Object.fromEntries([
          ...OPTIONS.map((o) => [o.flag, { type: o.flag === 'no-webui' ? 'boolean' : 'string' }] as const),
          ['help', { type: 'boolean', short: 'h' }],
          ['version', { type: 'boolean' }],
        ]),
        strict: true,
        allowPositionals: false,
      }).values as Record<string, string | boolean | undefined>
    } catch (error) {
      throw new ConfigError((error as Error).message)
    }
  })()
  if (values.help) return 'help'
  if (values.version) return 'version'
  const get = (flag: string): string | undefined => {
    const o = OPTIONS.find((x) => x.flag === flag)!
    const v = values[flag]
    if (typeof v === 'string') return v
    if (v === true) return 'true'
    for (const name of [o.env, ...(o.aliases ?? [])]) {
      const fromEnv = env[name]
      if (fromEnv !== undefined && fromEnv !== '') return fromEnv
    }
    return o.default
  }
  const store = get('store')
  if (store !== 'sqlite' && store !== 'postgres' && store !== 'memory') {
    throw new ConfigError('--store must be sqlite, postgres or memory')
  }
  const sync = get('sqlite-sync')
  if (sync !== 'full' && sync !== 'normal') throw new ConfigError('--sqlite-sync must be full or normal')
  const checkpoints = get('sqlite-checkpoints')
  if (checkpoints !== 'inline' && checkpoints !== 'background')
    throw new ConfigError('--sqlite-checkpoints must be inline or background')
  const postgresUrl = get('postgres-url')
  if (store === 'postgres' && !postgresUrl)
    throw new ConfigError('--store postgres needs --postgres-url (or PANDORA_POSTGRES_URL)')
  const noWebui = get('no-webui')
  const logFormat = get('log-format')
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'pretty')
    throw new ConfigError('--log-format must be json or pretty')
  return {
    port: int('port', get('port')!, 0, 65535),
    host: get('host')!,
    store,
    db: get('db')!,
    sqliteSync: sync,
    sqliteCheckpoints: checkpoints,
    postgresUrl,
    postgresSchema: get('postgres-schema')!,
    maxSize: int('max-size', get('max-size')!, 256, 1024 * 1024),
    maxDeliveries: int('max-deliveries', get('max-deliveries')!, 0, 1_000_000),
    token: get('token'),
    tokenFile: get('token-file'),
    allowOrigins: list(get('allow-origin')),
    allowHosts: list(get('allow-host')),
    logLevel: get('log-level')!,
    logFormat,
    webui: !(noWebui === 'true' || noWebui === '1'),
  }
}
