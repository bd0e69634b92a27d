import { Document, isMap, isPair, isScalar, isSeq, type YAMLMap } from 'yaml'
import { annotateTimeline } from './write-timeline.ts'
import type { WrittenMapping } from './written-mapping.ts'

/** Why the proposer chose a line, shown as a comment above it. */
export interface FieldEvidence {
  /** 0–1 */
  confidence: number
  /** Short phrases: `name "email" = synonym of emailaddress1`, `type email → String(100)`, `sample: 312 values, max 48 chars`. */
  reasons: readonly string[]
}

/** X2CRM class → field (or `split.<field>` for the split's fields) → evidence. */
export type MappingEvidence = Readonly<Record<string, Readonly<Record<string, FieldEvidence>>>>

const HEADER = `x2d365 mapping: every X2CRM field of each migrated class → a Dataverse column.
Each field line is { target, transform } (or { skip: true }). The comment above it gives the proposer's
confidence (0–1) and its evidence. Lines marked \`review:\` were not certain: check them, fix or keep
them, and delete the \`review:\` key. \`create:\` columns and \`newOptions\` are made by \`x2d365 schema apply\`.
\`transform: text\` keeps the text exactly as X2CRM holds it; add \`trim: true\` to cut white space at both ends.
Check with \`x2d365 map validate\`; lock with \`x2d365 map confirm\` (any later edit needs a new confirm).`

/**
 * The written map as YAML, one line per field (flow style), with a comment above each field giving the confidence
 * and the evidence. `parseMapping(writeMapping(m))` gives back the same map.
 */
export function writeMapping(written: WrittenMapping, evidence: MappingEvidence = {}): string {
  const document = new Document(written)
  document.commentBefore = HEADER.split('\n')
    .map((line) => ` ${line}`)
    .join('\n')
  const entities = document.get('entities')
  if (isMap(entities)) {
    for (const pair of entities.items) {
      if (!isPair(pair) || !isScalar(pair.key) || !isMap(pair.value)) continue
      const entity = String(pair.key.value)
      const byField = evidence[entity] ?? {}
      annotateFields(pair.value.get('fields'), byField, '')
      annotateDedupe(pair.value)
      annotateTimeline(pair.value)
      const split = pair.value.get('split')
      if (isMap(split)) {
        annotateFields(split.get('fields'), byField, 'split.')
        annotateDedupe(split)
        const when = split.get('when')
        if (isSeq(when)) {
          for (const item of when.items) if (isMap(item)) item.flow = true
        }
      }
    }
  }
  return document.toString({ lineWidth: 0 })
}

function annotateFields(
  fields: unknown,
  evidence: Readonly<Record<string, FieldEvidence>>,
  prefix: string,
): void {
  if (!isMap(fields)) return
  for (const pair of fields.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue
    if (isMap(pair.value)) {
      pair.value.flow = true
    }
    const found = evidence[`${prefix}${String(pair.key.value)}`]
    if (found !== undefined) {
      pair.key.commentBefore = ` ${found.confidence.toFixed(2)} ${found.reasons.join('; ')}`
    }
  }
}

const DEDUPE_COMMENT = ` A record not loaded yet is loaded onto the one existing row whose columns all equal its values
 (case-insensitive); with two or more such rows it is created new, with a warning. Rollback restores matched rows.`

/** `dedupe: { columns: [name, websiteurl] }` on one line, with what it does above it. */
function annotateDedupe(entity: YAMLMap): void {
  for (const pair of entity.items) {
    if (!isPair(pair) || !isScalar(pair.key) || pair.key.value !== 'dedupe') continue
    if (isMap(pair.value)) pair.value.flow = true
    pair.key.commentBefore = DEDUPE_COMMENT
  }
}
