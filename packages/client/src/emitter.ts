/** A listener; its return value is ignored. */
export type Listener<T> = (value: T) => void

/**
 * A tiny typed event emitter that works in every runtime (Node's `events` is not browser-safe).
 * A listener that throws is reported through `onListenerError` rather than breaking the emitter.
 */
export class Emitter<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>()

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event)
    if (!set) {
      set = new Set()
      this.#listeners.set(event, set)
    }
    set.add(listener as Listener<never>)
    return () => this.off(event, listener)
  }

  /** Removes a listener added with {@link on}. */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(event)?.delete(listener as Listener<never>)
  }

  /** Calls every listener of `event`; true when there was at least one. */
  emit<K extends keyof Events>(event: K, value: Events[K]): boolean {
    const set = this.#listeners.get(event)
    if (!set || set.size === 0) return false
    for (const listener of [...set]) {
      try {
        ;(listener as Listener<Events[K]>)(value)
      } catch (error) {
        // A broken listener must not stop the others nor the connection; surface it asynchronously.
        queueMicrotask(() => {
          throw error
        })
      }
    }
    return true
  }
}
