import { PandoraError } from '../../errors.js'

/** Schema used when none is given. */
export const DEFAULT_SCHEMA = 'pandora'

/** Prefix of the LISTEN/NOTIFY channel of a schema. */
const CHANNEL_PREFIX = 'pandora_'

// PostgreSQL identifiers hold at most 63 bytes; the channel name adds the prefix to the schema.
const MAX_SCHEMA_LENGTH = 63 - CHANNEL_PREFIX.length
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Returns `name` if it is a plain identifier usable as a schema (letters, digits and `_`, not
 * starting with a digit, not `pg_`-prefixed, short enough for its channel); else throws
 * `invalid_input`. Only such names reach SQL text, and always quoted.
 */
export function assertSchemaName(name: unknown): string {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > MAX_SCHEMA_LENGTH ||
    !IDENTIFIER.test(name) ||
    name.toLowerCase().startsWith('pg_')
  ) {
    throw new PandoraError(
      'invalid_input',
      `schema must be 1-${MAX_SCHEMA_LENGTH} letters, digits or _, not starting with a digit or pg_`,
    )
  }
  return name
}

/** A validated name as a quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** The LISTEN/NOTIFY channel shared by every store on `schema`. */
export function channelOf(schema: string): string {
  return `${CHANNEL_PREFIX}${schema}`
}
