import type { AvailabilityListener } from './store.js'

/**
 * A tiny fan-out of the availability signal inside one process. Listeners that throw do not stop
 * the others (the error is reported to `onError`).
 */
export class AvailabilitySignal {
  readonly #listeners = new Set<AvailabilityListener>()

  constructor(private readonly onError: (error: unknown) => void = () => {}) {}

  /** Adds a listener; returns its remover. */
  add(listener: AvailabilityListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Tells every listener that `receiver` may have a due message. */
  notify(receiver: string): void {
    for (const listener of this.#listeners) {
      try {
        listener(receiver)
      } catch (error) {
        this.onError(error)
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear()
  }
}
