import { PandoraError } from '@pandora/core'
import { z } from 'zod'

// Request schemas are validated on every request: compile each once (zod's ahead-of-time fast
// path: same results and errors, a flat validator instead of a walk of the schema tree).
const compiled = new WeakMap<z.ZodType, z.ZodType>()
function fast<S extends z.ZodType>(schema: S): S {
  let c = compiled.get(schema)
  if (!c) {
    c = z.compile(schema)
    compiled.set(schema, c)
  }
  return c as S
}

/** Parses `data` with `schema`; a failure is a 400 naming the first bad field. */
export function validate<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const parsed = fast(schema).safeParse(data)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue?.path.length ? issue.path.join('.') : 'body'
  const code =
    issue?.message === 'invalid mailbox'
      ? 'invalid_mailbox'
      : issue?.path.at(-1) === 'priority'
        ? 'invalid_priority'
        : 'invalid_input'
  throw new PandoraError(
    code,
    code === 'invalid_mailbox' ? 'invalid mailbox' : `${where}: ${issue?.message ?? 'invalid'}`,
    {
      detail: where,
    },
  )
}
