import { PandoraError } from '@pandora/core'
import { z } from 'zod'

// Request schemas are validated on every request: compile each once (zod's ahead-of-time fast
// path: same results and errors, a flat validator instead of a walk of the schema tree).
const compiled = new WeakMap<z.ZodType, z.ZodType>()
/** `schema` compiled once with `z.compile` (same results and errors, faster), for hot validations. */
export function fast<S extends z.ZodType>(schema: S): S {
  let c = compiled.get(schema)
  if (!c) {
    c = z.compile(schema)
    compiled.set(schema, c)
  }
  return c as S
}

/**
 * The stable error code of a schema failure, the same on HTTP routes and WebSocket frames: the
 * mailbox rule and the priority range have codes of their own; anything else is `invalid_input`.
 */
export function issueCode(issue: { message: string; path: readonly PropertyKey[] } | undefined) {
  if (issue?.message === 'invalid mailbox') return 'invalid_mailbox' as const
  return issue?.path.at(-1) === 'priority' ? ('invalid_priority' as const) : ('invalid_input' as const)
}

/** Parses `data` with `schema`; a failure is a 400 naming the first bad field. */
export function validate<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const parsed = fast(schema).safeParse(data)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue?.path.length ? issue.path.join('.') : 'body'
  const code = issueCode(issue)
  throw new PandoraError(
    code,
    code === 'invalid_mailbox' ? 'invalid mailbox' : `${where}: ${issue?.message ?? 'invalid'}`,
    {
      detail: where,
    },
  )
}
