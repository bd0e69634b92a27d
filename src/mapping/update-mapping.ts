import { isMap, isPair, isScalar, parseDocument, type Document, type YAMLMap } from 'yaml'
import type { MappingEvidence } from './write-mapping.ts'
import type { WrittenMapping } from './written-mapping.ts'

export interface MappingUpdate {
  /** The map's text with the new lines added; every line that was there is kept as it was. */
  text: string
  /** `Contacts.c_region`, `Contacts.split.c_region`: the lines added. */
  added: string[]
  /** Fields not added, and why (their proposed column is already another field's), and classes the map lacks. */
  conflicts: string[]
}

/**
 * `map propose --update`: adds to an existing (confirmed) map the fields a fresh proposal maps that the map does not
 * name yet (fields that appeared in X2CRM since), each with the proposal's line and evidence, under the classes the map
 * already has, and in a class's split too; a class the map lacks is named, not added. Lines already in the map are never touched, and a proposed column another
 * field already fills is not added twice (no `new_type_x2`): it is reported as a conflict. Undefined when the text does
 * not parse. Pure.
 */
export function addNewFields(
  text: string,
  proposal: { written: WrittenMapping; evidence: MappingEvidence },
): MappingUpdate | undefined {
  const document = parseDocument(text)
  if (document.errors.length > 0) return undefined
  const added: string[] = []
  const conflicts: string[] = []
  for (const [entity, proposed] of Object.entries(proposal.written.entities)) {
    const existing = document.getIn(['entities', entity])
    if (!isMap(existing)) {
      // A class the map does not have was taken out by a person, or is new in X2CRM: never put back unasked.
      conflicts.push(
        `${entity}: the map has no entity for it (taken out, or new since); to move it, copy it from a fresh ` +
          '`x2d365 map propose -m proposal.yaml`',
      )
      continue
    }
    const sections: { path: (string | number)[]; fields: Record<string, unknown>; prefix: string }[] = [
      { path: ['entities', entity, 'fields'], fields: proposed.fields, prefix: '' },
    ]
    if (proposed.split !== undefined && isMap(existing.get('split'))) {
      sections.push({
        path: ['entities', entity, 'split', 'fields'],
        fields: proposed.split.fields,
        prefix: 'split.',
      })
    }
    for (const section of sections) {
      const fields = document.getIn(section.path)
      if (!isMap(fields)) continue
      const taken = targetsOf(fields)
      for (const [field, line] of Object.entries(section.fields)) {
        if (fields.has(field)) continue
        const target = targetOf(line)
        if (target !== undefined && taken.has(target)) {
          conflicts.push(
            `${entity}.${section.prefix}${field}: its proposed column ${target} is already ${taken.get(target) ?? ''}'s; map it by hand`,
          )
          continue
        }
        addLine(document, fields, field, line, proposal.evidence[entity]?.[`${section.prefix}${field}`])
        if (target !== undefined) taken.set(target, field)
        added.push(`${entity}.${section.prefix}${field}`)
      }
    }
  }
  return { text: document.toString({ lineWidth: 0 }), added, conflicts }
}

function addLine(
  document: Document,
  fields: YAMLMap,
  field: string,
  line: unknown,
  evidence: { confidence: number; reasons: readonly string[] } | undefined,
): void {
  const node = document.createNode(line)
  if (isMap(node)) node.flow = true
  const pair = document.createPair(field, node)
  if (isScalar(pair.key)) {
    const why =
      evidence === undefined ? '' : ` ${evidence.confidence.toFixed(2)} ${evidence.reasons.join('; ')}`
    pair.key.commentBefore = ` added by map propose --update (new in X2CRM since the map was confirmed)${why === '' ? '' : `:${why}`}`
  }
  fields.items.push(pair)
}

/** Column → the field that fills it, of the lines already in a `fields:` section. */
function targetsOf(fields: YAMLMap): Map<string, string> {
  const taken = new Map<string, string>()
  for (const pair of fields.items) {
    if (!isPair(pair) || !isScalar(pair.key) || !isMap(pair.value)) continue
    const target = pair.value.get('target')
    if (typeof target === 'string') taken.set(target, String(pair.key.value))
  }
  return taken
}

function targetOf(line: unknown): string | undefined {
  if (line === null || typeof line !== 'object' || !('target' in line)) return undefined
  return typeof line.target === 'string' ? line.target : undefined
}
