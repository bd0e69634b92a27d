import type { BeforeImage, Ledger } from '../ledger/ledger.ts'

/** What one run may have done to one table, as rollback needs it. */
export interface RowsWritten {
  /**
   * Rows that were not in Dataverse when the run first meant to write them: created, or maybe created (sent, then
   * the run was killed before it recorded the outcome). Undone by deleting them; a row that is not there was never
   * created.
   */
  created: string[]
  /** Rows that were there: their before-images, in the order they were taken. Undone by restoring them. */
  updated: BeforeImage[]
  /**
   * Rows that were there and that the run may have changed without keeping an image (a link pass setting a lookup on
   * a row an earlier run loaded): rollback cannot put them back, only report them.
   */
  unimaged: string[]
}

/**
 * Every row a run may have written, per entity set: from the intents it recorded before each write (so rows in flight
 * when it was killed are included) and its before-images. With `entitySetOf` (phase name → entity set, from the
 * map), the run's created and updated outcomes are read too, for runs recorded before intents existed (ledger schema
 * 7 and older). A row the run derived and that did not exist before its first intent is always `created`, never
 * `updated`, also when a resumed attempt found it in Dataverse.
 */
export async function rowsRunMayHaveWritten(
  ledger: Pick<Ledger, 'intents' | 'beforeImages' | 'outcomes'>,
  runId: string,
  options: { entitySetOf?: (phase: string) => string | undefined } = {},
): Promise<Map<string, RowsWritten>> {
  const byTable = new Map<
    string,
    { created: Set<string>; updated: Map<string, BeforeImage>; existed: Set<string> }
  >()
  const table = (entitySet: string) => {
    let rows = byTable.get(entitySet)
    if (rows === undefined)
      byTable.set(entitySet, (rows = { created: new Set(), updated: new Map(), existed: new Set() }))
    return rows
  }
  for await (const intent of ledger.intents.all(runId)) {
    const rows = table(intent.entitySet)
    if (intent.existed) rows.existed.add(intent.targetId)
    else rows.created.add(intent.targetId)
  }
  for await (const image of ledger.beforeImages(runId)) {
    const rows = table(image.entitySet)
    // An image of a row the run created itself (taken by an attempt before intents were kept) restores nothing.
    if (!rows.created.has(image.targetId)) rows.updated.set(image.targetId, image)
  }
  const { entitySetOf } = options
  if (entitySetOf !== undefined) {
    for await (const outcome of ledger.outcomes(runId)) {
      const entitySet = entitySetOf(outcome.phase)
      if (entitySet === undefined || outcome.targetId === undefined) continue
      const rows = table(entitySet)
      const known =
        rows.created.has(outcome.targetId) ||
        rows.updated.has(outcome.targetId) ||
        rows.existed.has(outcome.targetId)
      if (known) continue
      if (outcome.status === 'created') rows.created.add(outcome.targetId)
      else if (outcome.status === 'updated') rows.existed.add(outcome.targetId)
    }
  }
  const result = new Map<string, RowsWritten>()
  for (const [entitySet, rows] of byTable) {
    result.set(entitySet, {
      created: [...rows.created],
      updated: [...rows.updated.values()],
      unimaged: [...rows.existed].filter((id) => !rows.updated.has(id) && !rows.created.has(id)),
    })
  }
  return result
}
