import { sourceKeyOf } from '../domain/source-key.ts'
import type { RelatedReaders } from '../source/x2crm/related.ts'
import { withRecordTags } from './record-tags.ts'
import type { Ledger, OutcomeStatus } from '../ledger/ledger.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import { transformRecord } from '../mapping/transform-record.ts'
import { readNames } from './read-names.ts'
import type { EntityMap, LinkRef, Mapping, TransformContext } from '../mapping/types.ts'
import { InternalError } from '../errors.ts'
import { sharedReads } from '../plan/shared-reads.ts'
import { firstPass, phaseEntitySets, planLoad, rowPhaseName, type PlannedPhase } from '../plan/plan-load.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import type { DataverseTarget } from '../target/dataverse/types.ts'
import { imageColumns, readExisting } from './before-image.ts'
import { chunks } from './chunks.ts'
import { compareRow, type FieldMismatch } from './compare-row.ts'
import { caseStateMismatch } from './close-incidents.ts'
import type { UploadsReader } from '../source/x2crm/uploads/reader.ts'
import { attachmentMismatch } from './verify-attachments.ts'
import type { Emit } from './events.ts'
import { UNDOABLE_KINDS, undoneRuns } from './run-chain.ts'
import { readQuarantines, type QuarantineIndex } from './verify-quarantined.ts'
import { createReservoir } from './reservoir.ts'
import { takesRecord, unroutedResult } from './route-records.ts'

export const VERIFY_RUN = 'verify'
/** Field mismatches a verification keeps per object, besides the first of every column past them. */
export const MISMATCH_EXAMPLES = 50
/** Source keys of missing rows a verification keeps per object. */
export const MISSING_EXAMPLES = 50
/** Quarantined records (with their reasons) a verification keeps per object. */
export const QUARANTINED_EXAMPLES = 50
/** Longer values are cut, so that a long description cannot swell the ledger. */
const VALUE_CHARS = 200
/** Verify loads nothing: its progress events carry no outcomes. */
const NO_OUTCOMES: Readonly<Record<OutcomeStatus, number>> = {
  created: 0,
  updated: 0,
  quarantined: 0,
  skipped: 0,
  deleted: 0,
  restored: 0,
}

export interface VerifyOptions {
  instance: string
  mapping: Mapping
  /**
   * Records per object (table) to check, drawn at random from its class; a table that takes part of its class (an
   * Actions type, a split) checks those of the draw it takes. Undefined checks all.
   */
  sample?: number
  /** @default Math.random */
  random?: () => number
}

export interface VerifyDeps {
  source: Pick<X2crmSource, 'records' | 'count'>
  /** Tags, when the map moves them (the tag column is compared). */
  related?: RelatedReaders
  target: Pick<DataverseTarget, 'query'>
  ledger: Ledger
  emit: Emit
  now: () => Date
  /** Reads Media files: a note's documentbody is compared with the file by SHA-256. Without it, not compared. */
  uploads?: Pick<UploadsReader, 'read'>
}

/** One field of one record that differs from its source. */
export interface RecordMismatch extends FieldMismatch {
  sourceKey: string
  targetId: string
}

export interface EntityVerification {
  entity: string
  /** Records read back and compared. */
  checked: number
  matched: number
  /** Records that differ from their source in at least one field. */
  mismatched: number
  /** Records the ledger says are in Dataverse, but Dataverse does not have. */
  missing: number
  /** Records not in Dataverse because they were quarantined or never migrated: not compared. */
  notMigrated: number
  /**
   * Records in Dataverse whose newest outcome is a quarantine (a later run's write was refused): the row there is
   * older than the record, so it is not compared; counted here, with the reason, instead of as mismatches.
   */
  quarantined: number
  /** Mismatches per Dataverse column. */
  byColumn: Record<string, number>
  /**
   * The first {@link MISMATCH_EXAMPLES} field mismatches, and the first of every column past them, so each column in
   * `byColumn` has an example. String values longer than 200 characters are cut.
   */
  mismatches: RecordMismatch[]
  /** The first {@link MISSING_EXAMPLES} missing records. */
  missingKeys: string[]
  /** The first {@link QUARANTINED_EXAMPLES} records counted in `quarantined`, with the reason of their quarantine. */
  quarantinedKeys: { sourceKey: string; reason: string }[]
}

export interface VerifyResult {
  /** The ledger's run of kind `verify` that holds this result. */
  runId: string
  /** The migrate or delta run checked: the newest of this instance that is not rolled back, if any. */
  of?: string
  /** Records per object checked; undefined: all. */
  sample?: number
  entities: EntityVerification[]
  ok: boolean
  seconds: number
}

/**
 * Reads migrated rows back and compares them field by field, through the map's transforms, with the source as it is
 * now. A record changed in X2CRM since the migration shows up as a mismatch (run `delta` first). The result is
 * recorded in the ledger as a run of kind `verify` (its summary is the result, lists capped), so `x2d365 report` can
 * show it with the run it checked.
 */
export async function verify(given: VerifyOptions, givenDeps: VerifyDeps): Promise<VerifyResult> {
  // The tag column is compared too, when the map moves tags (record-tags.ts).
  const tagged = withRecordTags(given.mapping, givenDeps)
  const options = { ...given, mapping: tagged.mapping }
  const deps = tagged.deps
  const started = deps.now()
  const of = await runToVerify(deps.ledger, options.instance)
  const run = await deps.ledger.startRun(
    VERIFY_RUN,
    {
      instance: options.instance,
      all: options.sample === undefined,
      ...(options.sample !== undefined && { sample: options.sample }),
      ...(of !== undefined && { of }),
    },
    started,
  )
  deps.emit({ type: 'run.started', runId: run.runId, resumed: false, at: started.toISOString() })
  try {
    // Plain-text links the run linked by name (`linkByName`) are expected linked.
    const names = await readNames(deps.source, options.mapping)
    const context: TransformContext = {
      targetIdFor: (entity, id) => targetIdFor(options.instance, entity, id),
      ownerFor: () => undefined,
      idsNamed: (entity, name) => names.lookup(entity, name),
    }
    const entities: EntityVerification[] = []
    const quarantines = await readQuarantines(deps.ledger, options.instance)
    const plan = planLoad(options.mapping)
    const checking: Checking = { context, deps, phaseSets: phaseEntitySets(plan.phases), quarantines }
    // The tables of one class (Actions → task, phonecall, …; a split's lead and contact) share one read of it
    // (plan/shared-reads.ts), each record routed to the tables that take it as migrate routes it (route-records.ts).
    // verify reads what lists show; records hidden from them are checked through the migration's own reconciliation.
    for (const group of sharedReads(firstPass(plan))) {
      entities.push(
        ...(options.sample === undefined
          ? await verifyClass(group, checking)
          : await verifySampled(group, options.sample, options.random ?? Math.random, checking)),
      )
    }
    const finished = deps.now()
    const result: VerifyResult = {
      runId: run.runId,
      ...(of !== undefined && { of }),
      ...(options.sample !== undefined && { sample: options.sample }),
      entities,
      ok: entities.every((e) => e.missing === 0 && e.mismatched === 0),
      seconds: (finished.getTime() - started.getTime()) / 1000,
    }
    const { runId: _, ...summary } = result
    await deps.ledger.finishRun(run.runId, 'succeeded', finished, summary)
    return result
  } catch (error) {
    // A verification that stopped proves nothing: it is closed as failed, with the reason, and not shown as a result.
    await deps.ledger.finishRun(run.runId, 'failed', deps.now(), {
      error: error instanceof Error ? error.message : String(error),
    })
    throw error
  }
}

/** The run a verification checks: the newest migrate or delta run of the instance that is not rolled back. */
async function runToVerify(ledger: Ledger, instance: string): Promise<string | undefined> {
  const undone = await undoneRuns(ledger)
  const runs = await ledger.runs()
  return runs.find(
    (r) => UNDOABLE_KINDS.includes(r.kind) && r.params['instance'] === instance && !undone.has(r.runId),
  )?.runId
}

/** What checking a record needs besides the record: how the run transformed it, and where to look it up. */
interface Checking {
  context: TransformContext
  deps: Pick<VerifyDeps, 'source' | 'target' | 'ledger' | 'emit' | 'uploads'>
  phaseSets: ReadonlyMap<string, string>
  quarantines: QuarantineIndex
}

/** Records of one table checked per Dataverse read. */
const CHECK_BATCH = 50

/** Every listed record of a class, read once and routed to the tables of `group` that take it. */
async function verifyClass(
  group: readonly PlannedPhase[],
  checking: Checking,
): Promise<EntityVerification[]> {
  const entity = group[0]?.entity
  if (entity === undefined) throw new InternalError('verify: a shared read of no phase')
  const { source } = checking.deps
  return verifyRecords(group, source.records(entity), await source.count(entity), checking)
}

/**
 * `--sample N`: for each table of `group`, N records drawn at random from its class (as when each table read the
 * class on its own), of which it checks those it takes; the class is read once for all of them. Holds N records per
 * table.
 */
async function verifySampled(
  group: readonly PlannedPhase[],
  size: number,
  random: () => number,
  checking: Checking,
): Promise<EntityVerification[]> {
  const entity = group[0]?.entity
  if (entity === undefined) throw new InternalError('verify: a shared read of no phase')
  const samples = group.map(() => createReservoir<X2crmRecord>(size, random))
  for await (const record of checking.deps.source.records(entity)) for (const s of samples) s.add(record)
  const results: EntityVerification[] = []
  for (const [index, phase] of group.entries()) {
    const sampled = samples[index]?.items() ?? []
    results.push(...(await verifyRecords([phase], streamOf(sampled), sampled.length, checking)))
  }
  return results
}

/**
 * Checks `records` (of one class) against the tables of `phases`: each record goes to every phase that takes it
 * ({@link takesRecord}), and each table's records are read back {@link CHECK_BATCH} at a time, so memory holds at
 * most a batch and a read's page per table. Progress is counted in records read, against `total`.
 */
async function verifyRecords(
  phases: readonly PlannedPhase[],
  records: AsyncIterable<X2crmRecord>,
  total: number,
  checking: Checking,
): Promise<EntityVerification[]> {
  const { emit } = checking.deps
  const tables = phases.map((phase) => ({
    phase,
    ...entityCheck(phase, checking),
    routed: [] as X2crmRecord[],
    reported: 0,
  }))
  for (const { phase } of tables)
    emit({
      type: 'phase.started',
      phase: phase.name,
      sourceCount: total,
      resumeAfterId: 0,
      counting: 'records to check',
    })
  let done = 0
  let lastSourceId = 0
  const flush = async (table: (typeof tables)[number], size: number) => {
    await table.check(table.routed.splice(0, size))
    emit({
      type: 'batch.loaded',
      phase: table.result.entity,
      size: done - table.reported,
      counts: NO_OUTCOMES,
      lastSourceId,
      done,
      total: Math.max(total, done),
    })
    table.reported = done
  }
  for await (const read of chunks(records, CHECK_BATCH)) {
    done += read.length
    lastSourceId = Number(read[read.length - 1]?.['id'] ?? 0)
    for (const table of tables) {
      for (const record of read) if (takesRecord(table.phase, record)) table.routed.push(record)
      while (table.routed.length >= CHECK_BATCH) await flush(table, CHECK_BATCH)
    }
  }
  for (const table of tables) {
    if (table.routed.length > 0 || table.reported < done) await flush(table, table.routed.length)
    emit({ type: 'phase.finished', phase: table.phase.name })
  }
  return tables.map((t) => t.result)
}

/** One table's verification, and the check that adds a batch of the records it takes to it. */
function entityCheck(
  phase: PlannedPhase,
  { context, deps, phaseSets, quarantines }: Checking,
): { result: EntityVerification; check: (batch: readonly X2crmRecord[]) => Promise<void> } {
  const map = phase.entityMap
  const result: EntityVerification = {
    entity: map.name ?? map.entity,
    checked: 0,
    matched: 0,
    mismatched: 0,
    missing: 0,
    notMigrated: 0,
    quarantined: 0,
    byColumn: {},
    mismatches: [],
    missingKeys: [],
    quarantinedKeys: [],
  }
  // Media notes: their file is compared too, when the files can be read.
  const files = map.attachments === true ? deps.uploads : undefined
  const check = async (batch: readonly X2crmRecord[]): Promise<void> => {
    if (batch.length === 0) return
    // An action of a type no table takes was quarantined by the class's first table, as migrate does (never loaded).
    const transformed = batch
      .map((r) => unroutedResult(phase, r) ?? transformRecord(map, r, context))
      .flatMap((t) => (t.status === 'ok' ? [t] : []))
    result.notMigrated += batch.length - transformed.length
    const loaded = await deps.ledger.loaded([
      ...transformed.map((t) => t.sourceKey),
      ...transformed.flatMap((t) => t.links.map((l) => l.parentKey)),
    ])
    const inLedger = transformed.filter((t) => loaded.has(t.sourceKey))
    // A record whose newest outcome is a quarantine is reported with its reason, not compared (verify-quarantined.ts).
    const inDataverse = inLedger.filter((t) => {
      const record = loaded.get(t.sourceKey)
      const quarantine = record === undefined ? undefined : quarantines.newestOf(record)
      if (quarantine === undefined) return true
      result.quarantined++
      if (result.quarantinedKeys.length < QUARANTINED_EXAMPLES)
        result.quarantinedKeys.push({ sourceKey: t.sourceKey, reason: clip(quarantine.reason) as string })
      return false
    })
    const recordOf = new Map(batch.map((r) => [sourceKeyOf(map.entity, Number(r['id'])), r]))
    result.notMigrated += transformed.length - inLedger.length
    const rows = await readExisting(
      deps.target,
      map.table,
      inDataverse.map((t) => loaded.get(t.sourceKey)?.targetId ?? t.targetId),
      verifyColumns(map, files !== undefined),
    )
    for (const t of inDataverse) {
      const targetId = loaded.get(t.sourceKey)?.targetId ?? t.targetId
      const row = rows.get(targetId)
      if (row === undefined) {
        result.missing++
        if (result.missingKeys.length < MISSING_EXAMPLES) result.missingKeys.push(t.sourceKey)
        continue
      }
      result.checked++
      const links = new Map(
        t.links.map((l) => [
          l.field,
          expectedLink(l, loaded.get(l.parentKey)?.phase, loaded.get(l.parentKey)?.targetId, phaseSets),
        ]),
      )
      const mismatches = compareRow(map, t, links, row)
      const state = caseStateMismatch(map.caseClose, recordOf.get(t.sourceKey), row)
      if (state !== undefined) mismatches.push(state)
      const record = recordOf.get(t.sourceKey)
      if (files !== undefined && record !== undefined) {
        const file = attachmentMismatch(row, await files.read(record))
        if (file !== undefined) mismatches.push(file)
      }
      if (mismatches.length === 0) result.matched++
      else result.mismatched++
      for (const m of mismatches) {
        const firstOfColumn = result.byColumn[m.column] === undefined
        result.byColumn[m.column] = (result.byColumn[m.column] ?? 0) + 1
        if (result.mismatches.length < MISMATCH_EXAMPLES || firstOfColumn) {
          result.mismatches.push({
            sourceKey: t.sourceKey,
            targetId,
            field: m.field,
            column: m.column,
            expected: clip(m.expected),
            actual: clip(m.actual),
          })
        }
      }
    }
  }
  return { result, check }
}

/**
 * What a link should hold after the load: the parent's row when the parent is in Dataverse in a table the lookup can
 * point at; null when it is not in Dataverse, or when it went to another table (a primary contact that the
 * Lead/Contact split made a lead), where the load leaves the link empty on purpose.
 */
export function expectedLink(
  link: Pick<LinkRef, 'entitySet' | 'navBySet'>,
  parentPhase: string | undefined,
  parentTargetId: string | undefined,
  phaseSets: ReadonlyMap<string, string>,
): string | null {
  if (parentPhase === undefined || parentTargetId === undefined) return null
  const set = phaseSets.get(rowPhaseName(parentPhase))
  if (set === undefined || set === link.entitySet) return parentTargetId
  return link.navBySet !== undefined && Object.hasOwn(link.navBySet, set) ? parentTargetId : null
}

function clip(value: unknown): unknown {
  return typeof value === 'string' && value.length > VALUE_CHARS ? `${value.slice(0, VALUE_CHARS)}…` : value
}

/** The columns to read back: those the map writes, and `createdon`, where an overridden creation date lands. */
function verifyColumns(map: EntityMap, withFile = false): string[] {
  const columns = imageColumns(map)
  if (map.caseClose !== undefined) columns.push('statecode')
  const more = [
    ...(columns.includes('overriddencreatedon') ? ['createdon'] : []),
    ...(withFile ? ['documentbody'] : []),
  ]
  return [...columns, ...more]
}

async function* streamOf<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items
}
