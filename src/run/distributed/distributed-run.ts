import { createHash } from 'node:crypto'
import type { RunInfo } from '../../ledger/ledger.ts'
import type { Mapping } from '../../mapping/types.ts'
import type { ChunkRange } from '../load-chunk.ts'

/** What a distributed run keeps in its params: how it was cut, so that any machine can take part or resume it. */
export interface DistributedParams {
  /** The map every worker must load with (a worker with another map refuses to start). */
  mappingHash: string
  chunkSize: number
  /** The plan's phases in order, with the ranges of each X2CRM class (the upper ids; the last range is open). */
  phases: readonly { name: string; entity: string }[]
  /** Per class, the `throughId` of each range but the last (`afterId` is the one before; the last is open). */
  cuts: Readonly<Record<string, readonly number[]>>
}

/** The map's identity, for checking that every worker loads with the coordinator's map. */
export function mappingHash(mapping: Mapping): string {
  return createHash('sha256').update(JSON.stringify(mapping)).digest('hex').slice(0, 16)
}

export function distributedParamsOf(run: RunInfo): DistributedParams | undefined {
  const params = run.params['distributed']
  return typeof params === 'object' && params !== null ? (params as DistributedParams) : undefined
}

/** The ranges of a class from its cuts. */
export function rangesOf(cuts: readonly number[]): ChunkRange[] {
  return [...cuts, null].map((throughId, n) => ({ afterId: n === 0 ? 0 : (cuts[n - 1] ?? 0), throughId }))
}
