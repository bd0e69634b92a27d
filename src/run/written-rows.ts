import type { SourceKey } from '../domain/source-key.ts'
import type { BeforeImage, RunLedger } from '../ledger/ledger.ts'

/**
 * A Dataverse row one run may have written, and what the ledger knows about it. Rollback undoes and checks exactly
 * these rows (by id), then looks for the rest by the X2CRM id column.
 */
export interface WrittenRow {
  phase: string
  sourceKey: SourceKey
  targetId: string
  /** What the run recorded: created, updated (or deactivated), deleted. Undefined: only the intent is known. */
  status?: 'created' | 'updated' | 'deleted'
  /** The row as it was before the run first wrote to it: it existed, rollback restores it. */
  image?: BeforeImage
}

/**
 * The rows `runId` may have written in `phase`, one per target id, in the order the run recorded them. Today: the
 * run's created, updated and deleted outcomes, with their before-images. The one place rollback learns which rows to
 * undo and check by id: when the ledger records every target id before its request leaves ("intent before effect"),
 * this reads those intents too, and rows a killed run wrote without an outcome are undone by id as well.
 *
 * Before-images of the phase are held in memory: as many as the pre-existing rows the run changed in it.
 */
export async function* rowsRunMayHaveWritten(
  ledger: Pick<RunLedger, 'outcomes' | 'beforeImages'>,
  runId: string,
  phase: string,
): AsyncGenerator<WrittenRow> {
  const images = new Map<string, BeforeImage>()
  for await (const image of ledger.beforeImages(runId))
    if (image.phase === phase) images.set(image.targetId, image)
  for await (const o of ledger.outcomes(runId, phase)) {
    if (o.targetId === undefined) continue
    if (o.status !== 'created' && o.status !== 'updated' && o.status !== 'deleted') continue
    const image = images.get(o.targetId)
    yield {
      phase,
      sourceKey: o.sourceKey,
      targetId: o.targetId,
      status: o.status,
      ...(image !== undefined && { image }),
    }
  }
}
