import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { Ledger } from '../ledger/ledger.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import type { Mapping } from '../mapping/types.ts'
import type { PlannedPhase } from '../plan/plan-load.ts'
import type { RelatedReaders } from '../source/x2crm/related.ts'
import type { X2crmRelationship } from '../source/x2crm/types.ts'
import type { DataverseBulkTarget, TableRef, TargetRow } from '../target/dataverse/types.ts'
import { CLOSING_PHASES, recordPlannedRows, type IntentScope } from './closing-intents.ts'

export const CONNECTION: TableRef = {
  logicalName: 'connection',
  entitySet: 'connections',
  primaryId: 'connectionid',
}
export const CONNECTION_ROLE: TableRef = {
  logicalName: 'connectionrole',
  entitySet: 'connectionroles',
  primaryId: 'connectionroleid',
}

/** A connection role's name holds 100 characters. */
const ROLE_NAME_MAX = 100

/** What turning relationships into connections did. */
export interface ConnectionsSummary {
  /** Connections written (created or, on a later run, updated in place). */
  connected: number
  /** Connection roles created, named after the relationships' labels. */
  rolesCreated: number
  /** Relationships without labels between two classes the map links by a field: the link field already holds them. */
  linkFields: number
  /** Relationships with an end the map does not load, or whose record is not in Dataverse. */
  notMigrated: number
  failed: { sourceKey: SourceKey; reason: string }[]
}

/** A record end of a relationship, once loaded: the table and row it went to. */
export interface LoadedEnd {
  table: TableRef
  targetId: string
}

const label = (value: string | null) => (value ?? '').trim()

/**
 * X2CRM creates a relationship for every link field it saves (a contact's company, an account's parent), without
 * labels; the link field migrates as a lookup already. Such a relationship, between two classes a link field of the
 * map joins, is that link's copy. Pure.
 */
export function isLinkFieldCopy(relationship: X2crmRelationship, linkedPairs: ReadonlySet<string>): boolean {
  if (label(relationship.firstLabel) !== '' || label(relationship.secondLabel) !== '') return false
  return (
    linkedPairs.has(`${relationship.firstType}>${relationship.secondType}`) ||
    linkedPairs.has(`${relationship.secondType}>${relationship.firstType}`)
  )
}

/** The `<class>><class>` pairs a link field of the map joins. Pure. */
export function linkedPairsOf(mapping: Mapping): Set<string> {
  const pairs = new Set<string>()
  for (const map of mapping.entities)
    for (const field of map.fields) {
      if (field.linkTo !== undefined) pairs.add(`${map.entity}>${field.linkTo.entity}`)
      for (const to of field.regardingTo ?? []) pairs.add(`${map.entity}>${to.entity}`)
    }
  return pairs
}

/**
 * The connection row for one relationship: record1 is its first record, record2 its second, each with the role named
 * after its label (none without one). Its id is deterministic, so a later run updates it in place. Pure.
 */
export function connectionRow(
  instance: string,
  relationship: X2crmRelationship,
  first: LoadedEnd,
  second: LoadedEnd,
  roleIdOf: (name: string) => string,
): TargetRow {
  const values: Record<string, unknown> = {
    [`record1id_${first.table.logicalName}@odata.bind`]: `/${first.table.entitySet}(${first.targetId})`,
    [`record2id_${second.table.logicalName}@odata.bind`]: `/${second.table.entitySet}(${second.targetId})`,
  }
  const firstRole = label(relationship.firstLabel)
  const secondRole = label(relationship.secondLabel)
  if (firstRole !== '') values['record1roleid@odata.bind'] = `/connectionroles(${roleIdOf(firstRole)})`
  if (secondRole !== '') values['record2roleid@odata.bind'] = `/connectionroles(${roleIdOf(secondRole)})`
  return { targetId: targetIdFor(instance, 'Relationships', relationship.id), values }
}

/**
 * After every phase: X2CRM relationships that are not a link field's copy become connections between the two rows,
 * with connection roles named after their labels (matched by name, ignoring case, or created). An end not loaded
 * leaves the relationship out (counted); a refused connection is kept with Dataverse's reason.
 */
export async function connectRelationships(
  phases: readonly PlannedPhase[],
  mapping: Mapping,
  instance: string,
  deps: {
    related?: Pick<RelatedReaders, 'relationships'>
    target: DataverseBulkTarget
    ledger: Pick<Ledger, 'loaded'>
  },
  /** Where the intent of each connection is recorded before its batch is sent. */
  scope?: IntentScope,
): Promise<ConnectionsSummary> {
  const summary: ConnectionsSummary = {
    connected: 0,
    rolesCreated: 0,
    linkFields: 0,
    notMigrated: 0,
    failed: [],
  }
  if (deps.related?.relationships === undefined) return summary
  const tableOfPhase = new Map(phases.map((p) => [p.name, p.table]))
  const mapped = new Set(mapping.entities.map((e) => e.entity))
  const pairs = linkedPairsOf(mapping)
  const wanted: X2crmRelationship[] = []
  for await (const relationship of deps.related.relationships()) {
    if (isLinkFieldCopy(relationship, pairs)) summary.linkFields++
    else if (!mapped.has(relationship.firstType) || !mapped.has(relationship.secondType))
      summary.notMigrated++
    else wanted.push(relationship)
  }
  const roles = await readRoles(deps.target)
  const roleIdOf = (name: string) => {
    const key = name.toLowerCase()
    const known = roles.get(key)
    if (known !== undefined) return known.id
    const id = targetIdFor(instance, 'ConnectionRole', key)
    roles.set(key, { id, name, inDataverse: false })
    return id
  }
  for (let i = 0; i < wanted.length; i += 100) {
    const chunk = wanted.slice(i, i + 100)
    const keys = chunk.flatMap((r) => [
      sourceKeyOf(r.firstType, r.firstId),
      sourceKeyOf(r.secondType, r.secondId),
    ])
    const loaded = await deps.ledger.loaded(keys)
    const endOf = (entity: string, id: number): LoadedEnd | undefined => {
      const row = loaded.get(sourceKeyOf(entity, id))
      const table = row === undefined ? undefined : tableOfPhase.get(row.phase)
      return row === undefined || table === undefined ? undefined : { table, targetId: row.targetId }
    }
    const rows: { row: TargetRow; sourceKey: SourceKey }[] = []
    for (const relationship of chunk) {
      const first = endOf(relationship.firstType, relationship.firstId)
      const second = endOf(relationship.secondType, relationship.secondId)
      const sourceKey = sourceKeyOf('Relationships', relationship.id)
      if (first === undefined || second === undefined) {
        summary.notMigrated++
        continue
      }
      const tooLong = [relationship.firstLabel, relationship.secondLabel].find(
        (l) => label(l).length > ROLE_NAME_MAX,
      )
      if (tooLong) {
        summary.failed.push({
          sourceKey,
          reason: `label "${label(tooLong).slice(0, 40)}…" is ${label(tooLong).length} characters; a connection role's name holds ${ROLE_NAME_MAX}`,
        })
        continue
      }
      rows.push({ row: connectionRow(instance, relationship, first, second, roleIdOf), sourceKey })
    }
    summary.rolesCreated += await createMissingRoles(deps.target, roles)
    if (rows.length === 0) continue
    await recordPlannedRows(
      scope,
      CLOSING_PHASES.connections,
      CONNECTION,
      rows.map((r) => ({ targetId: r.row.targetId, sourceKey: r.sourceKey })),
      deps.target,
    )
    const results = await deps.target.batch(
      CONNECTION,
      rows.map((r) => r.row),
    )
    results.forEach((result, n) => {
      const sourceKey = rows[n]?.sourceKey ?? sourceKeyOf('Relationships', 0)
      if (result.status === 'loaded') summary.connected++
      else
        summary.failed.push({
          sourceKey,
          reason: `Dataverse refused the connection (${result.httpStatus} ${result.code}): ${result.reason}`,
        })
    })
  }
  return summary
}

type Roles = Map<string, { id: string; name: string; inDataverse: boolean }>

async function readRoles(target: DataverseBulkTarget): Promise<Roles> {
  const roles: Roles = new Map()
  for await (const row of target.query(CONNECTION_ROLE.entitySet, { select: ['connectionroleid', 'name'] })) {
    const name = row['name']
    const id = row['connectionroleid']
    if (typeof name === 'string' && typeof id === 'string' && !roles.has(name.toLowerCase()))
      roles.set(name.toLowerCase(), { id, name, inDataverse: true })
  }
  return roles
}

/** Creates the roles named but not in Dataverse yet (category Other), under their deterministic ids. */
async function createMissingRoles(target: DataverseBulkTarget, roles: Roles): Promise<number> {
  let created = 0
  for (const role of roles.values()) {
    if (role.inDataverse) continue
    await target.upsert(CONNECTION_ROLE, { targetId: role.id, values: { name: role.name, category: 5 } })
    role.inDataverse = true
    created++
  }
  return created
}
