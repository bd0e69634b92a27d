/**
 * How long the simulated server spends on each operation. The numbers are calibrated to
 * Microsoft's published sample timings (webapi.md §4.3 [S], microsoft/PowerApps-Samples
 * "Bulk operations" and "Parallel operations" samples, 100 records, one user, a trial-like
 * environment with `x-ms-dop-hint: 4`):
 *
 * | what the sample did                   | published        | this model                      |
 * |---------------------------------------|------------------|---------------------------------|
 * | 100 creates one at a time             | 10 s (~10 rows/s)| 100 × (30 + 70) ms = 10.0 s     |
 * | one $batch (ExecuteMultiple) of 100   | 4 s (~25 rows/s) | 30 + 100 × 40 ms = 4.03 s       |
 * | CreateMultiple of 100                 | 1 s (~100 rows/s)| 30 + 100 × 10 ms = 1.03 s       |
 * | UpsertMultiple of 100                 | 2 s              | 30 + 100 × 20 ms = 2.03 s       |
 *
 * Everything except `roundTripMs` is server execution time and counts against the
 * 1,200 s-per-300 s execution-time limit (webapi.md §5.1).
 */
export interface CostModel {
  /** Network and front-door time per HTTP request; simulated latency only, not execution time [U]. @default 30 */
  roundTripMs: number
  /** Create/Update/Upsert/Delete sent on their own: (10 s / 100 creates) − round trip [S]. @default 70 */
  writeMs: number
  /** The same writes inside a `$batch`: (4 s − round trip) / 100 parts [S]. @default 40 */
  batchWriteMs: number
  /** Retrieve, RetrieveMultiple, WhoAmI and metadata reads [U]. @default 20 */
  readMs: number
  /** Per target of CreateMultiple: (1 s − round trip) / 100 [S]. @default 10 */
  createMultipleTargetMs: number
  /** Per target of UpdateMultiple; unpublished, taken equal to CreateMultiple [U]. @default 10 */
  updateMultipleTargetMs: number
  /** Per target of UpsertMultiple: (2 s − round trip) / 100 [S]. @default 20 */
  upsertMultipleTargetMs: number
  /** Actions (WinOpportunity, AddMemberList, PublishProductHierarchy…) [U]. @default 150 */
  actionMs: number
  /** A metadata write (column, relationship, key, table) [U: seconds in practice]. @default 2000 */
  metadataWriteMs: number
  /** PublishAllXml [U: tens of seconds on a real org]. @default 10000 */
  publishMs: number
}

export const defaultCostModel: Readonly<CostModel> = {
  roundTripMs: 30,
  writeMs: 70,
  batchWriteMs: 40,
  readMs: 20,
  createMultipleTargetMs: 10,
  updateMultipleTargetMs: 10,
  upsertMultipleTargetMs: 20,
  actionMs: 150,
  metadataWriteMs: 2000,
  publishMs: 10000,
}

/** A model that costs nothing: the simulator's behaviour when no cost model or latency is configured. */
export const freeCostModel: Readonly<CostModel> = {
  roundTripMs: 0,
  writeMs: 0,
  batchWriteMs: 0,
  readMs: 0,
  createMultipleTargetMs: 0,
  updateMultipleTargetMs: 0,
  upsertMultipleTargetMs: 0,
  actionMs: 0,
  metadataWriteMs: 0,
  publishMs: 0,
}

const writes = new Set(['Create', 'Update', 'Upsert', 'Delete', 'Associate', 'Disassociate'])
const reads = new Set(['Retrieve', 'RetrieveMultiple', 'WhoAmI', 'RetrieveMetadata'])

/** Execution time of one counted operation (bulk messages add their per-target cost separately). */
export function operationCostMs(model: CostModel, operation: string, inBatch: boolean): number {
  if (writes.has(operation)) return inBatch ? model.batchWriteMs : model.writeMs
  if (reads.has(operation)) return model.readMs
  if (operation === 'PublishAllXml' || operation === 'PublishXml') return model.publishMs
  if (operation.startsWith('Metadata')) return model.metadataWriteMs
  if (operation === 'CreateMultiple' || operation === 'UpdateMultiple' || operation === 'UpsertMultiple')
    return 0
  if (operation === '$batch') return 0
  return model.actionMs
}

/** Per-target execution time of a bulk message. */
export function bulkTargetCostMs(model: CostModel, message: string): number {
  if (message === 'CreateMultiple') return model.createMultipleTargetMs
  if (message === 'UpdateMultiple') return model.updateMultipleTargetMs
  return model.upsertMultipleTargetMs
}

/** Simulated waiting. Tests pass a fake that advances their clock; the demo passes a real timer. */
export interface Latency {
  sleep(ms: number): Promise<void>
}

/** A real-time sleep for demos and benchmarks. */
export const realLatency: Latency = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}
