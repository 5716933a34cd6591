import { PandoraError } from '@pandora/core'
import type { z } from 'zod'

/** Parses `data` with `schema`; a failure is a 400 naming the first bad field. */
export function validate<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const parsed = schema.safeParse(data)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue?.path.length ? issue.path.join('.') : 'body'
  const code = issue?.message === 'invalid mailbox' ? 'invalid_mailbox' : 'invalid_input'
  throw new PandoraError(
    code,
    code === 'invalid_mailbox' ? 'invalid mailbox' : `${where}: ${issue?.message ?? 'invalid'}`,
    {
      detail: where,
    },
  )
}
