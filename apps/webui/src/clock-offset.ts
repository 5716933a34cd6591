import type { PandoraClient, ServerInfo } from '@pandora/client'

/**
 * How far the server's clock is ahead of this browser's, in ms (negative: behind), from the
 * `serverTime` of an info reply and the local time the reply arrived. The request's transit sits
 * in it (about half a round trip), far below what a seconds countdown shows.
 *
 * @example
 * ```ts
 * const offset = clockOffset(info.serverTime, Date.now())   // right after the reply
 * const left = leasedUntil.getTime() - serverNow(offset)
 * ```
 */
export function clockOffset(serverTime: Date, localAtReply: number): number {
  const offset = serverTime.getTime() - localAtReply
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

/** Reads the server's info and notes the local time of the reply at once, so the offset is tight. */
export async function readInfo(client: Pick<PandoraClient, 'info'>): Promise<InfoReading> {
  const info = await client.info()
  return { info, clockOffset: clockOffset(info.serverTime, Date.now()) }
}
