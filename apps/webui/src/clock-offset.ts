import type { PandoraClient, ServerInfo } from '@pandora/client'

/**
 * How far the server's clock is ahead of this browser's, in ms (negative: behind), from the
 * `serverTime` of an info reply and the local time it stands for: best the midpoint between
 * sending the request and receiving the reply (see {@link readInfo}); the reply's arrival alone
 * would read the server's clock late by the reply's transit.
 *
 * @example
 * ```ts
 * const offset = clockOffset(info.serverTime, Date.now())   // right after the reply
 * const left = leasedUntil.getTime() - serverNow(offset)
 * ```
 */
export function clockOffset(serverTime: Date, localAt: number): number {
  const offset = serverTime.getTime() - localAt
  // An unparseable time would turn every countdown into NaN; no correction beats a broken one.
  return Number.isFinite(offset) ? offset : 0
}

/** The server's clock now, in epoch ms, from this browser's clock and the measured offset. */
export function serverNow(offsetMs: number, localNow: number = Date.now()): number {
  return localNow + offsetMs
}

/** The server's info and the clock offset measured from that very reply. */
export interface InfoReading {
  info: ServerInfo
  clockOffset: number
}

/**
 * Reads the server's info and measures the clock offset from it. The server stamped `serverTime`
 * somewhere between the request leaving and the reply arriving; the midpoint of the two is the
 * estimate without a bias either way (NTP's), so a fresh lease never shows more than its length.
 */
export async function readInfo(client: Pick<PandoraClient, 'info'>): Promise<InfoReading> {
  const sent = Date.now()
  const info = await client.info()
  const received = Date.now()
  return { info, clockOffset: clockOffset(info.serverTime, (sent + received) / 2) }
}
