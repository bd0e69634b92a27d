import { isMap, isPair, isScalar, parseDocument, YAMLMap, type Document } from 'yaml'
import type { WrittenCondition, WrittenField } from '../mapping/written-mapping.ts'

/**
 * One change the review page makes to mapping.yaml. `section` is `fields` (the entity's own table) or `split` (the
 * fields of the split's table, e.g. leads).
 */
export type MapEdit =
  | { type: 'accept'; entity: string; section: Section; field: string }
  | { type: 'acceptAll'; entity: string }
  | { type: 'setLine'; entity: string; section: Section; field: string; line: WrittenField }
  | { type: 'setSplit'; entity: string; match: 'any' | 'all'; when: readonly WrittenCondition[] }
  | { type: 'setTags'; tags: { mode: 'none' } | { mode: 'multiselect' | 'table' } }
  | { type: 'setRepairs'; repairs: { linkByName: boolean } }

export type Section = 'fields' | 'split'

/**
 * mapping.yaml text + one edit → the new text. Pure. Goes through the YAML document, so every comment (the header,
 * each line's confidence and evidence), the order of the keys and every key the page does not know (added by other
 * parts of x2d365) stay as they were; only the edited node changes. Throws an Error saying what is missing when the
 * edit names an entity, field or section the file does not have.
 */
export function applyMapEdit(text: string, edit: MapEdit): string {
  const document = parseDocument(text)
  if (document.errors.length > 0) throw new Error('mapping.yaml does not parse; fix it in an editor first')
  switch (edit.type) {
    case 'accept':
      lineNode(document, edit.entity, edit.section, edit.field).delete('review')
      break
    case 'acceptAll':
      for (const section of ['fields', 'split'] as const) {
        const fields = fieldsNode(document, edit.entity, section, false)
        for (const pair of fields?.items ?? []) if (isMap(pair.value)) pair.value.delete('review')
      }
      break
    case 'setLine': {
      const fields = fieldsNode(document, edit.entity, edit.section, true)
      const pair = fields?.items.find((p) => isScalar(p.key) && String(p.key.value) === edit.field)
      if (fields === undefined || pair === undefined) throw missing(edit.entity, edit.section, edit.field)
      const node = document.createNode(withoutUndefined(edit.line)) as YAMLMap
      node.flow = true
      pair.value = node
      break
    }
    case 'setSplit': {
      const split = entityNode(document, edit.entity).get('split')
      if (!isMap(split)) throw new Error(`entities.${edit.entity} has no split: section`)
      split.set('match', edit.match)
      const when = document.createNode(edit.when.map(withoutUndefined))
      for (const item of (when as { items: unknown[] }).items) if (isMap(item)) item.flow = true
      split.set('when', when)
      break
    }
    case 'setTags': {
      const tags = document.createNode(edit.tags) as YAMLMap
      tags.flow = true
      settingsNode(document).set('tags', tags)
      break
    }
    case 'setRepairs': {
      const repairs = document.createNode(edit.repairs) as YAMLMap
      repairs.flow = true
      settingsNode(document).set('repairs', repairs)
      break
    }
  }
  return document.toString({ lineWidth: 0 })
}

function entityNode(document: Document, entity: string): YAMLMap {
  const node = document.getIn(['entities', entity])
  if (!isMap(node)) throw new Error(`mapping.yaml has no entity ${entity}`)
  return node
}

function fieldsNode(
  document: Document,
  entity: string,
  section: Section,
  required: boolean,
): YAMLMap<unknown, unknown> | undefined {
  const owner = section === 'split' ? entityNode(document, entity).get('split') : entityNode(document, entity)
  const fields = isMap(owner) ? owner.get('fields') : undefined
  if (isMap(fields)) return fields
  if (required) throw new Error(`entities.${entity}${section === 'split' ? '.split' : ''} has no fields`)
  return undefined
}

function lineNode(document: Document, entity: string, section: Section, field: string): YAMLMap {
  const fields = fieldsNode(document, entity, section, true)
  const pair = fields?.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === field)
  if (pair === undefined || !isMap(pair.value)) throw missing(entity, section, field)
  return pair.value
}

function settingsNode(document: Document): YAMLMap {
  const settings = document.get('settings')
  if (isMap(settings)) return settings
  const created = new YAMLMap()
  document.set('settings', created)
  return created
}

function missing(entity: string, section: Section, field: string): Error {
  return new Error(
    `entities.${entity}.${section === 'split' ? 'split.fields' : 'fields'} has no field ${field}`,
  )
}

/** YAML would write `undefined` as an empty value; an absent key is what is meant. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}
