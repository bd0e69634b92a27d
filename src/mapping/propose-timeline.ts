import { ANNOTATION, actionMaps, mediaMap, type RegardingTo } from './default-actions.ts'
import { DEFAULT_OPPORTUNITY_CLOSE } from './default-objects.ts'
import { tableRefFor } from './known-tables.ts'
import type { SourceSchema, TargetSchema } from './schemas.ts'
import type { EntityMap, FieldMap, RecordCondition } from './types.ts'
import type { WrittenCondition, WrittenField, WrittenMapping } from './written-mapping.ts'

type WrittenEntities = WrittenMapping['entities']

/** Classes an action or a file may be about, when the proposal loads them (api.md §1.9 associationType). */
const REGARDING_CLASSES = ['Accounts', 'Contacts', 'X2Leads', 'Opportunity', 'Services', 'Quote', 'Campaign']

/**
 * The customer's timeline in a proposal (issue 13), over the classes the field matcher proposed: Actions routed by
 * `type` into task, phonecall, appointment, e-mail (sent and received) and notes, each about the record it names
 * (`actionMaps`); Media files → notes with the file (`mediaMap`); opportunities closed won or lost last
 * (`DEFAULT_OPPORTUNITY_CLOSE`) when the class has the stage field. Each as the built-in map has it, written out so a
 * person can read and change it. X2CRM fields these maps leave out are written `skip: true` with the reason. Pure.
 */
export function proposeTimeline(
  entities: WrittenEntities,
  source: SourceSchema,
  target: TargetSchema,
): WrittenEntities {
  const out: WrittenEntities = { ...entities }
  const opportunity = out['Opportunity']
  const stage = (source.entities['Opportunity'] ?? []).some(
    (f) => f.fieldName === DEFAULT_OPPORTUNITY_CLOSE.field,
  )
  if (opportunity !== undefined && opportunity.table === 'opportunity' && stage)
    out['Opportunity'] = { ...opportunity, close: closeOf() }
  const regardingTo: RegardingTo = REGARDING_CLASSES.flatMap((entity) => {
    const written = out[entity]
    return written === undefined ? [] : [{ entity, table: tableRefFor(written.table) }]
  })
  const maps: EntityMap[] = []
  const tablesThere = (map: EntityMap) => target[map.table.logicalName] !== undefined
  if (source.entities['Actions'] !== undefined) {
    const routed = actionMaps(regardingTo)
    if (routed.every(tablesThere)) {
      delete out['Actions']
      maps.push(...routed)
    }
  }
  if (source.entities['Media'] !== undefined && target[ANNOTATION.logicalName] !== undefined)
    maps.push(mediaMap(regardingTo))
  for (const map of maps) {
    const fields = (source.entities[map.entity] ?? []).map((f) => f.fieldName)
    out[map.name ?? map.entity] = writtenEntityOf(map, fields)
  }
  return out
}

function closeOf(): NonNullable<WrittenEntities[string]['close']> {
  const rule = DEFAULT_OPPORTUNITY_CLOSE
  return {
    field: rule.field,
    won: [...rule.won],
    lost: [...rule.lost],
    ...(rule.revenue !== undefined && { revenue: rule.revenue }),
    ...(rule.closeDate !== undefined && { closeDate: [...rule.closeDate] }),
  }
}

/**
 * An entity map as mapping.yaml writes it: `parseMapping` reads it back into the same map. `sourceFields` (the
 * class's X2CRM fields) the map does not read are written `skip: true`.
 */
export function writtenEntityOf(
  map: EntityMap,
  sourceFields: readonly string[] = [],
): WrittenEntities[string] {
  const fields: Record<string, WrittenField> = {}
  for (const field of map.fields) fields[field.source] = writtenFieldOf(field)
  for (const name of sourceFields) {
    if (fields[name] === undefined)
      fields[name] = {
        skip: true,
        reason: `${map.table.logicalName} has no column for it in the built-in map`,
      }
  }
  return {
    ...(map.name !== undefined && map.name !== map.entity && { entity: map.entity }),
    table: map.table.logicalName,
    ...(map.where !== undefined && {
      when: map.where.conditions.map(writtenCondition),
      ...(map.where.match === 'all' && { match: 'all' as const }),
    }),
    fields,
    ...(map.defaults !== undefined && { defaults: { ...map.defaults } }),
    ...(map.parties !== undefined && { parties: { ...map.parties } }),
    ...(map.attachments === true && { attachments: true }),
  }
}

/** A field map as mapping.yaml writes its line (`source` left to the key). */
export function writtenFieldOf(field: FieldMap): WrittenField {
  return {
    target: field.target,
    transform: field.transform,
    ...(field.trim !== undefined && { trim: field.trim }),
    ...(field.linkTo !== undefined && { linkTo: field.linkTo.entity }),
    ...(field.regardingTo !== undefined && {
      regardingTo: [...new Set(field.regardingTo.map((r) => r.entity))],
    }),
    ...(field.pass === 2 && { pass: 2 as const }),
    ...(field.choices !== undefined && { choices: { ...field.choices } }),
    ...(field.newOptions !== undefined && { newOptions: { ...field.newOptions } }),
  }
}

function writtenCondition(condition: RecordCondition): WrittenCondition {
  switch (condition.type) {
    case 'field':
      return { field: condition.field, in: [...condition.in] }
    case 'tag':
      return { tag: [...condition.tags] }
    case 'hasCompany':
      return { hasCompany: condition.value, field: condition.field }
  }
}
