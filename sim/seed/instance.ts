import type { X2crmDataset } from '../x2crm/dataset.ts'
import { DEFAULT_ADMIN_KEY, defaultDropdowns, userRow } from '../x2crm/defaults.ts'
import type { Store } from '../x2crm/store.ts'
import { createVirtualStore, type VirtualClass } from '../x2crm/virtual-store.ts'
import { createRandom } from './random.ts'
import {
  customDropdowns,
  firstIdOf,
  GENERATED_ENTITIES,
  GENERATED_USERNAMES,
  generatedFieldRows,
  generateRecord,
  generateRecords,
  INACTIVE_USERNAMES,
  lastIdOf,
  type GeneratedEntity,
  type InstanceShape,
} from './records.ts'

type Row = Record<string, unknown>

/**
 * What a generated instance serves besides its records: users (one inactive, still owning records), the fields of
 * every module with the custom ones, dropdowns, the admin's API key ({@link DEFAULT_ADMIN_KEY}). No records.
 */
export function generatedInstanceBase(shape: InstanceShape): X2crmDataset {
  const fields: Record<string, Row[]> = {}
  const records: X2crmDataset['records'] = {}
  let nextFieldId = 1
  for (const entity of GENERATED_ENTITIES) {
    fields[entity] = generatedFieldRows(entity, nextFieldId)
    nextFieldId += fields[entity].length
    records[entity] = []
  }
  const random = createRandom(shape.seed)
  const users = GENERATED_USERNAMES.map((username, index) =>
    userRow({
      id: index + 1,
      username,
      firstName: username === 'admin' ? 'web' : username.charAt(0).toUpperCase(),
      lastName: username === 'admin' ? 'admin' : username.slice(1),
      fullName: username === 'admin' ? 'Web Admin' : username,
      emailAddress: `${username}@crm.example`,
      status: INACTIVE_USERNAMES.has(username) ? 0 : 1,
      createDate: 1704067200 + random.int(0, 31536000),
    }),
  )
  return {
    records,
    users,
    fields,
    apiKeys: { admin: DEFAULT_ADMIN_KEY },
    dropdowns: [...defaultDropdowns(), ...customDropdowns],
    relationships: [],
    tags: {},
  }
}

/**
 * A simulator store over a generated instance of any size: records are computed on each read, nothing is held.
 * Tags and relationships are left out (they would have to be held); {@link materializeInstance} has them.
 * @example createX2crmSimulator({ data: generatedInstanceBase(shape), store: createGeneratedStore(shape, now) })
 */
export function createGeneratedStore(shape: InstanceShape, now: number): Store {
  const classes: Record<string, VirtualClass> = {}
  for (const entity of GENERATED_ENTITIES) {
    classes[entity] = {
      firstId: firstIdOf(entity),
      lastId: lastIdOf(shape, entity),
      record: (id) => generateRecord(shape, entity, id),
    }
  }
  return createVirtualStore(generatedInstanceBase(shape), classes, now)
}

/** Tags a record carries: about one record in five has some; Actions get `#N` tags from `#N` in their text. */
export function generateTags(shape: InstanceShape, entity: GeneratedEntity, record: Row): string[] {
  const id = Number(record.id)
  const random = createRandom((shape.seed * 31 + id * 7919 + entity.length) >>> 0)
  if (entity === 'Actions') {
    const text = typeof record.actionDescription === 'string' ? record.actionDescription : ''
    return [...new Set(text.match(/#\d+/g) ?? [])]
  }
  if (!random.chance(0.2)) return []
  const pool = ['#vip', '#hot', '#q4', '#partner', '#churn-risk', '#referral', '#München', '#大客户']
  return [...new Set([random.pick(pool), ...(random.chance(0.3) ? [random.pick(pool)] : [])])]
}

const linkFieldsOf = (entity: GeneratedEntity) =>
  generatedFieldRows(entity).filter((field) => field.type === 'link' && typeof field.linkType === 'string')

/**
 * The whole instance held in memory, tags and relationships included (one per resolvable link field, as X2CRM
 * creates them, plus a labelled contact–opportunity one now and then). For tests and small demos.
 */
export function materializeInstance(shape: InstanceShape): X2crmDataset {
  const dataset = generatedInstanceBase(shape)
  const tags: Record<string, Record<string, string[]>> = {}
  const relationships: Row[] = []
  for (const entity of GENERATED_ENTITIES) {
    const records = [
      ...generateRecords(shape, entity, { from: firstIdOf(entity), to: lastIdOf(shape, entity) }),
    ]
    dataset.records[entity] = records
    for (const record of records) {
      const recordTags = generateTags(shape, entity, record)
      if (recordTags.length > 0) (tags[entity] ??= {})[String(record.id)] = recordTags
      for (const field of linkFieldsOf(entity)) {
        const value = record[String(field.fieldName)]
        const match = typeof value === 'string' ? /_(\d+)$/.exec(value) : null
        const target = String(field.linkType) as GeneratedEntity
        if (!match || !generateRecord(shape, target, Number(match[1]))) continue
        relationships.push({
          id: relationships.length + 1,
          firstType: entity,
          firstId: record.id,
          firstLabel: null,
          secondType: target,
          secondId: Number(match[1]),
          secondLabel: null,
        })
      }
      if (entity === 'Opportunity' && typeof record.contactName === 'string' && Number(record.id) % 7 === 0) {
        const contactId = Number(/_(\d+)$/.exec(record.contactName)?.[1])
        if (generateRecord(shape, 'Contacts', contactId)) {
          relationships.push({
            id: relationships.length + 1,
            firstType: 'Contacts',
            firstId: contactId,
            firstLabel: 'Decision maker',
            secondType: 'Opportunity',
            secondId: record.id,
            secondLabel: 'Deal',
          })
        }
      }
    }
  }
  dataset.tags = tags
  dataset.relationships = relationships
  return dataset
}
