import type { SourceKey } from '../domain/source-key.ts'
import type { Ledger, RecordOutcome } from '../ledger/ledger.ts'
import type { TransformResult } from '../mapping/types.ts'
import { rowPhaseName } from '../plan/plan-load.ts'
import type { DataverseTarget, RowResult, TargetRow } from '../target/dataverse/types.ts'
import { imageColumns, readExisting } from './before-image.ts'
import { activityParties } from './activity-parties.ts'
import { bindLinks, emptiedLinks } from './bind-links.ts'
import { matchExisting } from './dedupe.ts'
import type { RunPhase } from './load-phase.ts'
import { firstPassOutcomes, linkPassOutcomes } from './outcomes-from-load.ts'

/** A source batch made ready to load: its rows, and how to turn the loader's results into ledger outcomes. */
export interface Prepared {
  rows: TargetRow[]
  lastSourceId: number
  outcomes(results: readonly RowResult[]): RecordOutcome[]
}

/** What preparing a batch reads (the ledger, Dataverse rows) and writes (before-images, write intents). */
export interface PrepareDeps {
  target: Pick<DataverseTarget, 'query'>
  ledger: Pick<Ledger, 'loaded' | 'sourcesOf' | 'recordBeforeImages' | 'intents'>
}

/**
 * Pass 1: the columns and the lookups whose parents are already in Dataverse. A record loaded before goes to the row
 * the ledger holds for it (a dedupe match is not under the computed id); one that is not may be matched to a row
 * that was in Dataverse already (`EntityMap.dedupe`). `inFlight` holds the rows of batches not recorded yet, and gets
 * this batch's.
 */
export async function prepareFirstPass(
  phase: RunPhase,
  runId: string,
  transformed: readonly TransformResult[],
  lastSourceId: number,
  deps: PrepareDeps,
  inFlight: Map<string, SourceKey>,
  dedupeActive: boolean,
  authorOf?: (sourceKey: SourceKey) => string | undefined,
): Promise<Prepared> {
  const ok = transformed.filter((t) => t.status === 'ok')
  const firstPassLinks = (t: (typeof ok)[number]) => t.links.filter((l) => l.pass === 1)
  const loaded = await deps.ledger.loaded([
    ...ok.map((t) => t.sourceKey),
    ...ok.flatMap((t) => firstPassLinks(t).map((l) => l.parentKey)),
  ])
  const loadedHere = (t: (typeof ok)[number]) => {
    const self = loaded.get(t.sourceKey)
    return self !== undefined && rowPhaseName(self.phase) === phase.name ? self : undefined
  }
  const targetIdOf = new Map(ok.map((t) => [t.sourceKey, loadedHere(t)?.targetId ?? t.targetId]))
  const warningsByKey = new Map<SourceKey, string[]>(ok.map((t) => [t.sourceKey, [...t.warnings]]))
  const { table, dedupe } = phase.entityMap
  // A record an earlier attempt of this run wrote onto a row that was there (a dedupe match), killed after the send
  // and before its outcome: the same row again, whatever dedupe would decide now (the row carries the record's values
  // and X2CRM id by now, so it may no longer look foreign).
  const unrecorded = ok.filter((t) => loadedHere(t) === undefined).map((t) => t.sourceKey)
  const resumedOnto = new Set<SourceKey>()
  if (unrecorded.length > 0) {
    for (const [sourceKey, intent] of await deps.ledger.intents.findBySource(
      runId,
      table.entitySet,
      unrecorded,
    )) {
      if (!intent.existed || intent.targetId === targetIdOf.get(sourceKey)) continue
      targetIdOf.set(sourceKey, intent.targetId)
      resumedOnto.add(sourceKey)
    }
  }
  // Rows that exist already are updates: keep how they were, before writing, so rollback can restore them.
  const columns = imageColumns(phase.entityMap)
  const existing = await readExisting(deps.target, table, [...targetIdOf.values()], columns)
  // A row an earlier attempt of this run meant to create (killed after sending it, before recording it) is the
  // run's own: created, with no before-image of itself.
  const earlier = await deps.ledger.intents.find(runId, table.entitySet, [...targetIdOf.values()])
  const ownRows = new Set<string>()
  for (const [targetId, intent] of earlier) {
    if (intent.existed) continue
    existing.delete(targetId)
    ownRows.add(targetId)
  }
  if (dedupe !== undefined && dedupeActive) {
    // Not a record whose own row that earlier attempt created either: dedupe would find that row (it has the record's
    // name and website) and take it for one that was there, booking an update with a before-image of the run's own row.
    const fresh = ok.filter(
      (t) =>
        loadedHere(t) === undefined &&
        !resumedOnto.has(t.sourceKey) &&
        !existing.has(t.targetId) &&
        !ownRows.has(t.targetId),
    )
    // Not the rows this batch writes already (records loaded before, rows under their computed ids) either.
    const claimed = new Map([
      ...inFlight,
      ...ok.map((t) => [targetIdOf.get(t.sourceKey) ?? '', t.sourceKey] as const),
    ])
    const decisions = await matchExisting({ ...phase.entityMap, dedupe }, fresh, deps, {
      claimed,
      imageColumns: columns,
    })
    for (const [sourceKey, decision] of decisions) {
      warningsByKey.get(sourceKey)?.push(decision.warning)
      if (decision.status !== 'matched' || decision.image === undefined) continue
      targetIdOf.set(sourceKey, decision.targetId)
      existing.set(decision.targetId, decision.image)
    }
  }
  const rows: TargetRow[] = []
  const sourceOf = new Map<string, SourceKey>()
  for (const t of ok) {
    const targetId = targetIdOf.get(t.sourceKey) ?? t.targetId
    inFlight.set(targetId, t.sourceKey)
    sourceOf.set(targetId, t.sourceKey)
    const { binds, warnings } = bindLinks(firstPassLinks(t), loaded, phase.phaseSets)
    warningsByKey.get(t.sourceKey)?.push(...warnings)
    const image = existing.get(targetId)
    const emptied = image === undefined ? {} : emptiedLinks(phase.entityMap, t, image)
    const values = { ...t.values, ...binds, ...emptied }
    // A row created as its X2CRM author (createdby); never an update, which would make the author its modifier.
    const caller = image === undefined ? authorOf?.(t.sourceKey) : undefined
    rows.push({
      targetId,
      values: { ...values, ...activityParties(phase.entityMap, values) },
      ...(caller !== undefined && { callerObjectId: caller }),
    })
  }
  if (existing.size > 0) {
    await deps.ledger.recordBeforeImages(
      runId,
      [...existing].map(([targetId, values]) => ({
        phase: phase.name,
        entitySet: table.entitySet,
        targetId,
        values,
      })),
    )
  }

  // Before anything is sent: which rows this batch may create or change, so a kill at any point leaves them known.
  await deps.ledger.intents.record(
    runId,
    phase.name,
    rows.map((row) => ({
      targetId: row.targetId,
      entitySet: table.entitySet,
      existed: existing.has(row.targetId),
      ...(sourceOf.has(row.targetId) && { sourceKey: sourceOf.get(row.targetId) }),
    })),
  )

  const batch = {
    runId,
    phase: phase.name,
    transformed,
    targetIdOf,
    warningsOf: warningsByKey,
    existed: new Set(existing.keys()),
  }
  return { rows, lastSourceId, outcomes: (results) => firstPassOutcomes(batch, results) }
}

/** Pass 2: lookups that could not be set in pass 1 (self-references and cycles), patched onto loaded rows. */
export async function prepareLinks(
  phase: RunPhase,
  runId: string,
  transformed: readonly TransformResult[],
  lastSourceId: number,
  deps: Pick<PrepareDeps, 'ledger'>,
): Promise<Prepared> {
  const ok = transformed.filter((t) => t.status === 'ok')
  const secondPassLinks = (t: (typeof ok)[number]) => t.links.filter((l) => l.pass === 2)
  const loaded = await deps.ledger.loaded([
    ...ok.map((t) => t.sourceKey),
    ...ok.flatMap((t) => secondPassLinks(t).map((l) => l.parentKey)),
  ])
  const settled = new Map<SourceKey, RecordOutcome>()
  const rows: TargetRow[] = []
  const pending = new Map<string, { sourceKey: SourceKey; warnings: string[] }>()
  for (const t of transformed) {
    const base = { runId, phase: phase.name, sourceKey: t.sourceKey }
    if (t.status !== 'ok') {
      settled.set(t.sourceKey, { ...base, status: 'skipped', reason: 'not loaded in the first pass' })
      continue
    }
    const links = secondPassLinks(t)
    if (links.length === 0 && t.later === undefined) {
      settled.set(t.sourceKey, { ...base, status: 'skipped', reason: 'no links to set' })
      continue
    }
    const self = loaded.get(t.sourceKey)
    if (self === undefined) {
      settled.set(t.sourceKey, {
        ...base,
        status: 'skipped',
        reason: 'the record itself is not in Dataverse',
      })
      continue
    }
    const { binds, warnings } = bindLinks(links, loaded, phase.phaseSets)
    // Columns that wait for the end (an activity's state: closed once everything is in) go with the links.
    const values = { ...binds, ...t.later }
    if (Object.keys(values).length === 0) {
      settled.set(t.sourceKey, { ...base, status: 'skipped', reason: warnings.join('; '), warnings })
      continue
    }
    rows.push({ targetId: self.targetId, values })
    pending.set(self.targetId, { sourceKey: t.sourceKey, warnings })
  }
  // The rows are in Dataverse already (a row the first pass created keeps its intent from then).
  const entitySet = phase.entityMap.table.entitySet
  await deps.ledger.intents.record(
    runId,
    phase.name,
    rows.map((row) => ({ targetId: row.targetId, entitySet, existed: true })),
  )
  const batch = { runId, phase: phase.name, transformed, settled, pending }
  return { rows, lastSourceId, outcomes: (results) => linkPassOutcomes(batch, results) }
}
