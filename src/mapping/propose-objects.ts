import { tableRefFor } from './known-tables.ts'
import { listMap, servicesMap } from './default-cases.ts'
import { priceListItemMap, productMap, quoteLineMap, quoteMap } from './default-sales.ts'
import { fieldsOfClass } from './derived-fields.ts'
import { writtenEntityOf, writtenFieldOf } from './propose-timeline.ts'
import { navOf, type SourceSchema, type TargetSchema } from './schemas.ts'
import type { EntityMap } from './types.ts'
import type { FieldEvidence } from './write-mapping.ts'
import type { WrittenField, WrittenMapping } from './written-mapping.ts'

type WrittenEntities = WrittenMapping['entities']

export interface ObjectsProposal {
  entities: WrittenEntities
  /** Entity key → field key → evidence. */
  evidence: Record<string, Record<string, FieldEvidence>>
  /** Paths of the lines flagged for review. */
  review: string[]
}

/** Where each built-in map is defined, for the evidence a reader follows. */
const ORIGIN = {
  sales: 'src/mapping/default-sales.ts',
  cases: 'src/mapping/default-cases.ts',
} as const

/**
 * The sales, cases and lists maps in a proposal (issue 13), for each of these classes X2CRM has records of: Product →
 * product and its price → a price list item; Quote → quote and its lines → quote products (the lines come from the
 * database); Services → incident; X2List → marketing list (its static members are added after the load). Each as the
 * built-in map has it, written out so a person can read and change it, with its evidence. The X2CRM fields these maps
 * leave out keep the field matcher's line (a custom `c_*` field its new column, flagged lines their `review:`) unless
 * the column is one the built-in map already fills; the others are written `skip: true` with the reason. The
 * proposal's review list loses the flags of the lines replaced. Pure.
 */
export function proposeObjects(
  proposal: ObjectsProposal,
  source: SourceSchema,
  target: TargetSchema,
  hasRecords: (entity: string) => boolean,
): ObjectsProposal {
  const entities: WrittenEntities = { ...proposal.entities }
  const evidence = { ...proposal.evidence }
  let review = [...proposal.review]
  const has = (entity: string, table: string) =>
    source.entities[entity] !== undefined && hasRecords(entity) && target[table] !== undefined
  const contactsEntity = entities['Contacts']
  const contacts =
    contactsEntity === undefined
      ? undefined
      : { entity: 'Contacts', table: tableRefFor(contactsEntity.table, contactsEntity) }
  const maps: { map: EntityMap; origin: string }[] = []
  if (has('Product', 'product')) {
    maps.push({ map: productMap(), origin: ORIGIN.sales })
    if (target['productpricelevel'] !== undefined)
      maps.push({ map: priceListItemMap(), origin: ORIGIN.sales })
  }
  if (has('Quote', 'quote')) {
    maps.push({ map: quoteMap(), origin: ORIGIN.sales })
    if (target['quotedetail'] !== undefined) maps.push({ map: quoteLineMap(), origin: ORIGIN.sales })
  }
  if (contacts !== undefined && has('Services', 'incident'))
    maps.push({ map: servicesMap(contacts), origin: ORIGIN.cases })
  if (contacts !== undefined && has('X2List', 'list'))
    maps.push({ map: listMap(contacts), origin: ORIGIN.cases })

  const loaded = new Set([
    ...Object.entries(entities).map(([key, e]) => e.entity ?? key),
    ...maps.map((m) => m.map.entity),
  ])
  for (const { map, origin } of maps) {
    const key = map.name ?? map.entity
    const matched = entities[key]?.table === map.table.logicalName ? entities[key] : undefined
    const line = proposeLines(map, origin, {
      classFields: (fieldsOfClass(source.entities, map.entity) ?? []).map((f) => f.fieldName),
      table: target[map.table.logicalName],
      matched: matched?.fields ?? {},
      matchedEvidence: evidence[key] ?? {},
      loaded,
    })
    entities[key] = { ...writtenEntityOf(map), fields: line.fields }
    evidence[key] = line.evidence
    const prefix = `entities.${key}.`
    review = review.filter((path) => !path.startsWith(prefix))
    review.push(...line.review.map((field) => `${prefix}fields.${field}`))
  }
  return { entities, evidence, review }
}

function proposeLines(
  map: EntityMap,
  origin: string,
  context: {
    classFields: readonly string[]
    table: TargetSchema[string] | undefined
    matched: Readonly<Record<string, WrittenField>>
    matchedEvidence: Readonly<Record<string, FieldEvidence>>
    loaded: ReadonlySet<string>
  },
): { fields: Record<string, WrittenField>; evidence: Record<string, FieldEvidence>; review: string[] } {
  const tableName = map.table.logicalName
  const columnOf = (target: string) => navOf(context.table, target)?.column.name ?? target
  const fields: Record<string, WrittenField> = {}
  const evidence: Record<string, FieldEvidence> = {}
  const review: string[] = []
  // Column → the line that fills it; the constant defaults fill theirs.
  const filled = new Map<string, string>(Object.keys(map.defaults ?? {}).map((c) => [c, 'defaults']))
  for (const field of map.fields) {
    // One X2CRM field into two columns (a product's id: its number and its unit) takes a second key.
    const key = fields[field.source] === undefined ? field.source : `${field.source}_${field.target}`
    if (field.linkTo !== undefined && !context.loaded.has(field.linkTo.entity)) {
      const why = `links to ${field.linkTo.entity}, which this map does not load`
      fields[key] = { skip: true, reason: why }
      evidence[key] = { confidence: 0.9, reasons: [why] }
      continue
    }
    fields[key] = { ...(key !== field.source && { source: field.source }), ...writtenFieldOf(field) }
    filled.set(columnOf(field.target), key)
    evidence[key] = {
      confidence: 0.95,
      reasons: [`built-in map (${origin}): ${map.entity}.${field.source} → ${tableName}.${field.target}`],
    }
  }
  for (const name of context.classFields) {
    if (fields[name] !== undefined) continue
    const line = context.matched[name]
    const found = context.matchedEvidence[name]
    if (line === undefined) {
      fields[name] = { skip: true, reason: `${tableName} has no column for it in the built-in map` }
      continue
    }
    if (!('skip' in line)) {
      const column = columnOf(line.target)
      const other = filled.get(column)
      if (other !== undefined) {
        const why = `${tableName}.${column} is filled from ${other} by the built-in map`
        fields[name] = { skip: true, reason: why }
        evidence[name] = { confidence: 0.9, reasons: [why, ...(found?.reasons ?? [])] }
        continue
      }
      filled.set(column, name)
    }
    fields[name] = line
    if (found !== undefined) evidence[name] = found
    if (line.review !== undefined) review.push(name)
  }
  return { fields, evidence, review }
}
