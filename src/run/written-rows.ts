import type { SourceKey } from '../domain/source-key.ts'
import type { IntentStore } from '../ledger/intent-store.ts'
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
 * The rows `runId` may have written in `phase`, one per target id: the run's created, updated and deleted outcomes,
 * with their before-images, then the rows it recorded an intent to write (before the request left) but no outcome
 * for — to delete, or to restore from their before-image when they were there — so a killed run's rows are undone
 * and checked by id as well. The one place rollback learns which rows to undo.
 *
 * Before-images of the phase are held in memory: as many as the pre-existing rows the run changed in it.
 */
export async function* rowsRunMayHaveWritten(
  ledger: Pick<RunLedger, 'outcomes' | 'beforeImages'> & { intents: Pick<IntentStore, 'all'> },
  runId: string,
  phase: string,
): AsyncGenerator<WrittenRow> {
  const seen = new Set<string>()
  const images = new Map<string, BeforeImage>()
  for await (const image of ledger.beforeImages(runId))
    if (image.phase === phase) images.set(image.targetId, image)
  for await (const o of ledger.outcomes(runId, phase)) {
    if (o.targetId === undefined) continue
    if (o.status !== 'created' && o.status !== 'updated' && o.status !== 'deleted') continue
    const image = images.get(o.targetId)
    seen.add(o.targetId)
    yield {
      phase,
      sourceKey: o.sourceKey,
      targetId: o.targetId,
      status: o.status,
      ...(image !== undefined && { image }),
    }
  }
  // Rows the run meant to create and never recorded (killed, or stopped, after the request left): the intent, written
  // before the send, is all the ledger has. They are deleted like created rows (a row that never arrived is gone).
  // Rows that were there, which the run meant to change and never recorded (a dedupe match, a row an earlier run
  // wrote): restored from the before-image kept with the intent.
  for await (const intent of ledger.intents.all(runId)) {
    if (intent.phase !== phase || seen.has(intent.targetId)) continue
    const image = intent.existed ? images.get(intent.targetId) : undefined
    if (intent.existed && image === undefined) continue
    seen.add(intent.targetId)
    yield {
      phase,
      sourceKey: intent.sourceKey ?? `${phase}:unrecorded-${intent.targetId}`,
      targetId: intent.targetId,
      status: intent.existed ? 'updated' : 'created',
      ...(image !== undefined && { image }),
    }
  }
}
