import { unroutedReason } from '../mapping/action-type.ts'
import { matchesFilter } from '../mapping/split-rule.ts'
import type { TransformResult } from '../mapping/types.ts'
import { sourceKeyOf } from '../domain/source-key.ts'
import type { PlannedPhase } from '../plan/plan-load.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'

/**
 * Whether a phase reads a record: every record without a rule; with one, those it takes, and for the first table of a
 * class routed by type (Actions) also those no table of the class takes (they are quarantined, never dropped).
 */
export function takesRecord(
  phase: Pick<PlannedPhase, 'entityMap' | 'unrouted'>,
  record: X2crmRecord,
): boolean {
  const where = phase.entityMap.where
  if (where === undefined || matchesFilter(where, record)) return true
  return (
    phase.unrouted !== undefined &&
    unroutedReason(phase.entityMap.entity, phase.unrouted, record) !== undefined
  )
}

/**
 * A record no table of its class takes (an action of a type the map does not know), as the transform's refusal, so
 * that it is quarantined with the reason; undefined for a record the phase's own rule takes.
 */
export function unroutedResult(
  phase: Pick<PlannedPhase, 'entityMap' | 'unrouted'>,
  record: X2crmRecord,
): TransformResult | undefined {
  if (phase.unrouted === undefined) return undefined
  const { entityMap } = phase
  if (entityMap.where !== undefined && matchesFilter(entityMap.where, record)) return undefined
  const reason = unroutedReason(entityMap.entity, phase.unrouted, record)
  if (reason === undefined) return undefined
  const id = record['id']
  return {
    status: 'invalid',
    sourceKey: sourceKeyOf(entityMap.entity, typeof id === 'number' || typeof id === 'string' ? id : '?'),
    issues: [reason],
  }
}
