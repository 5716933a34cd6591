import { describe, expect, it } from 'vitest'
import { type Config, ConfigError, helpText, OPTIONS, parseConfig } from './config.js'

const config = (argv: string[]) => parseConfig(argv, {}) as Config

describe('pandorad config', () => {
  it('defaults - port 4003 on loopback with the SQLite file ./pandora.db', () => {
    expect(parseConfig([], {})).toMatchObject({
      port: 4003,
      host: '127.0.0.1',
      store: 'sqlite',
      db: './pandora.db',
      sqliteSync: 'full',
      sqliteCheckpoints: 'background',
      maxSize: 4096,
      maxDeliveries: 10,
      webui: true,
    })
  })

  it('flags - each has an environment variable; a flag wins over it', () => {
    const env = { PANDORA_PORT: '5000', PANDORA_STORE: 'memory', PANDORA_TOKEN: 'from-env-123' }
    expect(parseConfig([], env)).toMatchObject({ port: 5000, store: 'memory', token: 'from-env-123' })
    expect(parseConfig(['--port', '6000', '--token', 'from-flag-1'], env)).toMatchObject({
      port: 6000,
      token: 'from-flag-1',
    })
    expect(config(['--allow-origin', 'https://a.example, https://b.example']).allowOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ])
    expect(config(['--no-webui']).webui).toBe(false)
    expect(config([]).sqliteCheckpoints).toBe('background')
    expect(config(['--sqlite-checkpoints', 'inline']).sqliteCheckpoints).toBe('inline')
    expect(parseConfig([], { PANDORA_SQLITE_CHECKPOINTS: 'inline' })).toMatchObject({
      sqliteCheckpoints: 'inline',
    })
    expect(parseConfig([], { PANDORA_ALLOW_HOSTS: 'pandora.lan,queue.internal' })).toMatchObject({
      allowHosts: ['pandora.lan', 'queue.internal'],
    })
    expect(config(['--allow-host', 'pandora.lan']).allowHosts).toEqual(['pandora.lan'])
    expect(config([]).allowHosts).toEqual([])
  })

  it('flags - each variable is its flag in upper case; the old plural names are still read', () => {
    for (const o of OPTIONS) expect(o.env).toBe(`PANDORA_${o.flag.toUpperCase().replaceAll('-', '_')}`)
    const origins = ['https://a.example', 'http://127.0.0.1:5173']
    expect(parseConfig([], { PANDORA_ALLOW_ORIGIN: origins.join(',') })).toMatchObject({
      allowOrigins: origins,
    })
    expect(parseConfig([], { PANDORA_ALLOW_ORIGINS: origins.join(',') })).toMatchObject({
      allowOrigins: origins,
    })
    expect(
      parseConfig([], {
        PANDORA_ALLOW_ORIGIN: 'https://new.example',
        PANDORA_ALLOW_ORIGINS: 'https://old.example',
      }),
    ).toMatchObject({ allowOrigins: ['https://new.example'] })
    expect(parseConfig([], { PANDORA_ALLOW_HOST: 'pandora.lan' })).toMatchObject({
      allowHosts: ['pandora.lan'],
    })
    expect(helpText()).toContain('env PANDORA_ALLOW_ORIGIN (or PANDORA_ALLOW_ORIGINS)')
  })

  it('errors - bad values are refused with a message naming the flag', () => {
    expect(() => parseConfig(['--port', 'x'], {})).toThrow(ConfigError)
    expect(() => parseConfig(['--port', '70000'], {})).toThrow(/--port/)
    expect(() => parseConfig(['--store', 'redis'], {})).toThrow(/--store/)
    expect(() => parseConfig(['--store', 'postgres'], {})).toThrow(/--postgres-url/)
    expect(() => parseConfig(['--bogus'], {})).toThrow(ConfigError)
    expect(() => parseConfig(['--max-deliveries', '-1'], {})).toThrow(/--max-deliveries/)
    expect(() => parseConfig(['--sqlite-checkpoints', 'worker'], {})).toThrow(/--sqlite-checkpoints/)
  })

  it('help - documents every flag with its environment variable', () => {
    expect(parseConfig(['--help'], {})).toBe('help')
    const text = helpText()
    for (const o of OPTIONS) {
      expect(text).toContain(`--${o.flag}`)
      expect(text).toContain(o.env)
    }
  })
})
