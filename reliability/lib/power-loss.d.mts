/** Types of power-loss.mjs, for the tests that check the harness itself. */
export function snapshotSizes(dbPath: string): Record<string, number>
export function dropUnsynced(
  traceFile: string,
  dbPath: string,
  initialSizes: Record<string, number>,
): Record<string, { zeroed: number; cut: number; unsyncedWrites: number }>
