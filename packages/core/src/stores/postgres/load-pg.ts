import type * as Pg from 'pg'
import { PandoraError } from '../../errors.js'

/** The parts of the `pg` driver the store uses. */
export type PgModule = Pick<typeof Pg, 'Pool' | 'Client'>

let loaded: Promise<PgModule> | undefined

/**
 * Loads the optional `pg` driver on first use, so importing `@pandora/core/postgres` costs nothing
 * and works without it; fails with an install hint when it is missing.
 */
export function loadPg(): Promise<PgModule> {
  loaded ??= import('pg').then(
    (mod) => {
      // The CommonJS build arrives as `default`; the ESM wrapper also names its exports.
      const pg = ((mod as { default?: PgModule }).default ?? mod) as PgModule
      if (typeof pg.Pool !== 'function' || typeof pg.Client !== 'function') {
        throw new PandoraError(
          'unavailable',
          'the installed pg module has no Pool/Client: install pg: npm i pg',
        )
      }
      return pg
    },
    (error: unknown) => {
      loaded = undefined
      throw new PandoraError(
        'unavailable',
        'the PostgreSQL store needs the pg driver: install pg: npm i pg',
        {
          cause: error,
        },
      )
    },
  )
  return loaded
}
