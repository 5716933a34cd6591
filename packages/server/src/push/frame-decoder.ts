import {
  type ClientFrame,
  clientFrameSchema,
  PandoraError,
  type ServerFrame,
  toPandoraError,
} from '@pandora/core'
import { fast, issueCode } from '../http/validate.js'

/** The `error` frame a socket answers a frame it cannot read with. */
export type DecodeErrorFrame = Extract<ServerFrame, { type: 'error' }>

/** A decoded client frame, or the error frame to answer instead. */
export type DecodeResult = { ok: true; frame: ClientFrame } | { ok: false; reply: DecodeErrorFrame }

/**
 * Reads one WebSocket message as a client frame, validated with core's wire schema. Never throws:
 * a frame the server cannot read is answered (with the frame's `ref` when one could be read, so the
 * client can fail the right request) and the socket stays open.
 *
 * @example
 * const decoded = decodeFrame(Buffer.from('{"type":"ping","ref":"1"}'), false)
 * if (decoded.ok) handle(decoded.frame)
 * else send(decoded.reply) // { type: 'error', ref?, code: 'invalid_input', message }
 */
export function decodeFrame(data: Buffer, isBinary: boolean): DecodeResult {
  let ref: string | undefined
  try {
    if (isBinary) throw new PandoraError('invalid_input', 'frames are JSON text')
    const raw: unknown = JSON.parse(data.toString('utf8'))
    ref = refOf(raw)
    // Every frame of every socket passes here: the compiled validator, as for HTTP bodies.
    const parsed = fast(clientFrameSchema).safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      // The same codes as on the HTTP routes.
      throw new PandoraError(
        issueCode(issue),
        `${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid frame'}`,
      )
    }
    return { ok: true, frame: parsed.data }
  } catch (error) {
    const e =
      error instanceof SyntaxError
        ? new PandoraError('invalid_input', 'frame is not valid JSON')
        : toPandoraError(error)
    return { ok: false, reply: { type: 'error', ...(ref ? { ref } : {}), code: e.code, message: e.message } }
  }
}

/** The frame's `ref` if it has a string one, even when the rest of the frame is invalid. */
function refOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const ref = (raw as { ref?: unknown }).ref
  return typeof ref === 'string' ? ref : undefined
}
