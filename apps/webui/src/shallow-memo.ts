import { useRef } from 'preact/hooks'

/** True when `a` and `b` have the same keys holding the same values (`Object.is`), one level deep. */
export function sameValues<T extends object>(a: T, b: T): boolean {
  const keys = Object.keys(a) as (keyof T)[]
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((k) => Object.hasOwn(b, k) && Object.is(a[k], b[k]))
}

/**
 * Returns the object of the previous render while every value in `value` is the same, else
 * `value`: a context value that re-renders its consumers only when something in it changed,
 * without listing its members a second time as `useMemo` dependencies.
 */
export function useShallowMemo<T extends object>(value: T): T {
  const kept = useRef(value)
  if (!sameValues(kept.current, value)) kept.current = value
  return kept.current
}
