import { describe, expect, it } from 'vitest'
import { ErrorCodes } from '../errors.js'
import { problemReplySchema, problemSchema } from './http.js'
import { serverFrameSchema } from './ws.js'

describe('error codes on the wire', () => {
  it('wire - a problem documents the stable codes; a reader still accepts a code a newer server adds', () => {
    const known = { type: 't', title: 'x', status: 404, code: 'not_found' }
    const newer = { ...known, code: 'brand_new_code' }
    expect(problemSchema.safeParse(known).success).toBe(true)
    expect(problemSchema.safeParse(newer).success).toBe(false)
    expect(problemReplySchema.parse(newer).code).toBe('brand_new_code')
    expect(Object.keys(ErrorCodes)).toContain(problemSchema.parse(known).code)
  })

  it('wire - error and ok frames with a code this version does not know still parse', () => {
    expect(serverFrameSchema.safeParse({ type: 'error', code: 'brand_new_code', message: 'm' }).success).toBe(
      true,
    )
    const ok = { type: 'ok', ref: '1', errors: [{ index: 0, code: 'brand_new_code', message: 'm' }] }
    expect(serverFrameSchema.safeParse(ok).success).toBe(true)
  })
})
