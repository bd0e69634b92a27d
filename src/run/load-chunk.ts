import type { TransformContext } from '../mapping/types.ts'
import { extractClass } from '../source/x2crm/extract.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import { loadPhase, type RunPhase } from './load-phase.ts'
import type { MigrateDeps, MigrateOptions } from './migrate.ts'
import { takesRecord } from './route-records.ts'

/**
 * A slice of one phase of a distributed run: the records of the phase's class with ids in (`afterId`, `throughId`],
 * `throughId` null for the last slice (to the end of the class, records created since the plan included). Slices
 * are cut at listed ids, so the ids lists hide between two listed ones belong to exactly one slice.
 */
export interface ChunkRange {
  afterId: number
  throughId: number | null
}

export interface ChunkResult {
  /** Records of the slice that exist for this phase (hidden ones found by id included): its part of the reconciliation. */
  sourceCount: number
  /** Records that reached an outcome. */
  processed: number
}

/**
 * Loads one slice of a phase with the engine a single-process migration uses ({@link loadPhase}): read by id with the
 * gaps fetched, transformed, sent across this machine's application users, and recorded batch by batch in the shared
 * ledger. Safe to run again after a worker died in it: rows are upserts on deterministic ids, and the intents the
 * first attempt recorded make its rows count as created by the run.
 */
export async function loadChunk(
  phase: RunPhase,
  runId: string,
  range: ChunkRange,
  options: Pick<MigrateOptions, 'batchSize' | 'gapFill'>,
  deps: MigrateDeps,
  context: TransformContext,
): Promise<ChunkResult> {
  const { entity } = phase.entityMap
  const { afterId, throughId } = range
  const extracted =
    options.gapFill === false
      ? deps.source.records(entity, { afterId })
      : extractClass(deps.source, entity, { afterId })
  let read = 0
  let matched = 0
  async function* inRange(): AsyncGenerator<X2crmRecord> {
    for await (const record of extracted) {
      if (throughId !== null && Number(record['id']) > throughId) return
      read++
      // A split or routed class: only what this phase's rule takes (as migrate does).
      if (phase.entityMap.where !== undefined && !takesRecord(phase, record)) continue
      matched++
      yield record
    }
  }
  const processed = await loadPhase(phase, runId, inRange(), options, deps, context, {
    done: 0,
    total: () => matched,
  })
  return { sourceCount: phase.entityMap.where === undefined ? read : matched, processed }
}

/**
 * Cuts a class into slices of about `size` listed records, at listed ids, from the ids as lists return them
 * (ascending). The last slice is open-ended. Reads ids only; keeps the boundaries only.
 */
export async function cutRanges(ids: AsyncIterable<number>, size: number): Promise<ChunkRange[]> {
  const ranges: ChunkRange[] = []
  let afterId = 0
  let inChunk = 0
  for await (const id of ids) {
    inChunk++
    if (inChunk >= size) {
      ranges.push({ afterId, throughId: id })
      afterId = id
      inChunk = 0
    }
  }
  ranges.push({ afterId, throughId: null })
  return ranges
}
