import { associationClass, parseLinkValue } from './normalize/link.ts'
import type { X2crmField, X2crmRecord, X2crmRelationship } from './types.ts'

/**
 * The highest id each class is referenced by, from link fields, Actions/Media associations and relationships. A
 * referenced id above a class's last listed id is where a deleted or hidden record may sit (the fixture's deleted
 * account 20 is found only through contact 60's link): pass it to `extractClass` as `probeUpTo`.
 */
export interface ReferenceTracker {
  observe(entity: string, record: X2crmRecord): void
  observeRelationship(relationship: X2crmRelationship): void
  /** 0 when nothing references the class. */
  maxReferencedId(entity: string): number
}

export function createReferenceTracker(
  fieldsByEntity: Readonly<Record<string, readonly X2crmField[]>>,
): ReferenceTracker {
  const max = new Map<string, number>()
  const known = new Set(Object.keys(fieldsByEntity))
  const linkFields = new Map(
    Object.entries(fieldsByEntity).map(([entity, fields]) => [
      entity,
      fields.filter((field) => field.type === 'link' && field.linkType !== null),
    ]),
  )
  const note = (entity: string | undefined, id: unknown) => {
    const value = typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id
    if (entity === undefined || typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) return
    if (value > (max.get(entity) ?? 0)) max.set(entity, value)
  }
  return {
    observe(entity, record) {
      for (const field of linkFields.get(entity) ?? []) {
        const link = parseLinkValue(record[field.fieldName], field.linkType)
        if (link?.entity) note(link.entity, link.id)
      }
      if ('associationType' in record)
        note(associationClass(record.associationType, known), record.associationId)
    },
    observeRelationship(relationship) {
      note(relationship.firstType, relationship.firstId)
      note(relationship.secondType, relationship.secondId)
    },
    maxReferencedId: (entity) => max.get(entity) ?? 0,
  }
}
