import type { PandoraError } from '@pandora/core'
import type { Logger } from 'pino'

/** Codes of requests refused at the trust boundary: worth a warning, an operator may need to act. */
const REFUSALS = new Set(['unauthorized', 'forbidden', 'origin_not_allowed', 'host_not_allowed'])

/** One warning per code per this many ms; the refusals in between are counted into the next. */
const WINDOW_MS = 10_000

/**
 * Logs refused requests (a wrong token, a foreign origin or host) at `warn`, at most once per code
 * per ten seconds, with how many were refused since the last line: a misconfigured browser page
 * shows up in the log without a flood of lines (and without a way for a client to fill the disk).
 * Never logs tokens or bodies.
 */
export class RefusalLog {
  readonly #last = new Map<string, { at: number; suppressed: number }>()

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Logs `error` if it is a refusal and its code has not been logged within the window. */
  note(
    error: PandoraError,
    where: { route: string; origin?: string | undefined; host?: string | undefined },
  ): void {
    if (!REFUSALS.has(error.code)) return
    const now = this.now()
    const last = this.#last.get(error.code)
    if (last && now - last.at < WINDOW_MS) {
      last.suppressed++
      return
    }
    this.#last.set(error.code, { at: now, suppressed: 0 })
    this.logger.warn(
      {
        code: error.code,
        route: where.route,
        ...(where.origin !== undefined ? { origin: where.origin } : {}),
        ...(where.host !== undefined ? { host: where.host } : {}),
        ...(last?.suppressed ? { alsoRefused: last.suppressed } : {}),
      },
      `refused: ${error.message}`,
    )
  }
}
