import { tagOptions } from './tag-fields.ts'
import type { X2crmField, X2crmRecord } from '../source/x2crm/types.ts'
import { WRITES } from './compatibility.ts'
import { DEFAULT_DEDUPE, DEFAULT_OBJECTS, DEFAULT_VALUES } from './default-objects.ts'
import type { ColumnMetadata, NewColumn, TableMetadata } from '../target/dataverse/table-metadata.ts'
import type { SourceSchema, TargetSchema, X2crmDropdown } from './schemas.ts'
import { proposeObjects } from './propose-objects.ts'
import { proposeTimeline } from './propose-timeline.ts'
import { nameSimilarity, normalizeName } from './similarity.ts'
import { SYNONYMS, SYSTEM_FIELDS } from './synonyms.ts'
import type { TransformName } from './types.ts'
import { describeProfile, profileValues, type ValueProfile } from './value-profile.ts'
import type { FieldEvidence, MappingEvidence } from './write-mapping.ts'
import type { WrittenCondition, WrittenField, WrittenMapping } from './written-mapping.ts'

export interface ProposeOptions {
  /** Prefix of created columns. @default 'new_' */
  publisherPrefix?: string
  /** X2CRM class → table, in load order. @default DEFAULT_OBJECTS */
  objects?: readonly { entity: string; table: string }[]
  /** Propose the Lead/Contact split of Contacts. @default true */
  split?: boolean
  /** Below this a match is not taken. @default 0.7 */
  acceptAbove?: number
  /** Below this a taken match is flagged for review. @default 0.8 */
  reviewBelow?: number
  /** X2CRM's tags (those seen): each gets an option of the multi-select tag column (`settings.tags.options`). */
  tags?: readonly string[]
  /**
   * Records per X2CRM class (discovery's counts). The sales, cases and lists maps (`proposeObjects`) are proposed for
   * the classes that have records. @default every class has records
   */
  counts?: Readonly<Record<string, number>>
}

/** Sampled X2CRM records per class, for value profiles. */
export type Samples = Readonly<Record<string, readonly X2crmRecord[]>>

export interface Proposal {
  written: WrittenMapping
  evidence: MappingEvidence
  /** Paths of the lines flagged for review (`entities.Contacts.fields.leadSource`). */
  review: string[]
}

interface Candidate {
  field: X2crmField
  column: ColumnMetadata
  target: string
  transform: TransformName
  score: number
  reasons: string[]
}

interface Context {
  source: SourceSchema
  tableOf: ReadonlyMap<string, string>
  orderOf: ReadonlyMap<string, number>
  prefix: string
  accept: number
  reviewBelow: number
}

/** Quotes load after the accounts they are for and the products their lines name. */
const QUOTE_OBJECT = { entity: 'Quote', table: 'quote' }

/** First value of a choice column x2d365 creates or extends (the default publisher's option prefix 10000). */
const FIRST_NEW_OPTION = 100_000_000

/**
 * Proposes mapping.yaml from both schemas and a sample of records. Pure. For each X2CRM field of each class in the
 * object map it scores the writable columns of the target table that its type can fill: a CRM synonym
 * (`SYNONYMS`) or the likeness of the field's name and label to the column name, plus how well the sample fits the
 * column (lengths, e-mail/URL formats, dropdown options found among the column's choices by label). Columns go to
 * the best-scoring field once. A match below `reviewBelow` is flagged for review; below `acceptAbove` it is not
 * taken: a custom field (and a default one holding data) gets a new column with a type and length inferred from
 * X2CRM's type and the sample, flagged for review unless it is custom; a default field empty in the whole sample is
 * skipped with that reason. Bookkeeping fields are skipped with a reason. A table with default dedupe columns
 * (`DEFAULT_DEDUPE`: accounts by name and website) gets them when its fields fill all of them.
 */
export function proposeMapping(
  source: SourceSchema,
  target: TargetSchema,
  samples: Samples = {},
  options: ProposeOptions = {},
): Proposal {
  const hasRecords = (entity: string) => options.counts === undefined || (options.counts[entity] ?? 0) > 0
  // Quotes are proposed (from the built-in map, `proposeObjects`) only when X2CRM has some.
  const quotes = hasRecords('Quote') && options.objects === undefined ? [QUOTE_OBJECT] : []
  const objects = [...(options.objects ?? DEFAULT_OBJECTS), ...quotes].filter(
    (o) => source.entities[o.entity] !== undefined && target[o.table] !== undefined,
  )
  const context: Context = {
    source,
    tableOf: new Map(objects.map((o) => [o.entity, o.table])),
    orderOf: new Map(objects.map((o, i) => [o.entity, i])),
    prefix: options.publisherPrefix ?? 'new_',
    accept: options.acceptAbove ?? 0.7,
    reviewBelow: options.reviewBelow ?? 0.85,
  }
  const entities: WrittenMapping['entities'] = {}
  const evidence: Record<string, Record<string, FieldEvidence>> = {}
  const review: string[] = []
  for (const { entity, table: tableName } of objects) {
    const fields = source.entities[entity] ?? []
    const table = target[tableName]
    if (table === undefined) continue
    const sample = samples[entity] ?? []
    const main = proposeFields(entity, fields, tableName, table, sample, context)
    const byField: Record<string, FieldEvidence> = { ...main.evidence }
    review.push(...main.review.map((f) => `entities.${entity}.fields.${f}`))
    const written: WrittenMapping['entities'][string] = { table: tableName, fields: main.fields }
    const defaults = DEFAULT_VALUES[tableName]
    if (defaults !== undefined) written.defaults = { ...defaults }
    const dedupe = DEFAULT_DEDUPE[tableName]
    const filled = new Set(Object.values(main.fields).flatMap((f) => ('target' in f ? [f.target] : [])))
    if (dedupe !== undefined && dedupe.every((column) => filled.has(column)))
      written.dedupe = { columns: [...dedupe] }
    const lead = target['lead']
    if (entity === 'Contacts' && options.split !== false && lead !== undefined) {
      const split = proposeFields(entity, fields, 'lead', lead, sample, context)
      for (const [field, found] of Object.entries(split.evidence)) byField[`split.${field}`] = found
      review.push(...split.review.map((f) => `entities.${entity}.split.fields.${f}`))
      written.split = {
        table: 'lead',
        match: 'all',
        when: defaultSplitRule(fields, source.dropdowns),
        fields: split.fields,
      }
    }
    entities[entity] = written
    evidence[entity] = byField
  }
  // Products, quotes, cases and lists as the built-in maps have them, where X2CRM has records of them.
  const objectMaps = proposeObjects({ entities, evidence, review }, source, target, hasRecords)
  return {
    written: {
      version: 1,
      settings: {
        publisherPrefix: context.prefix,
        tags:
          options.tags === undefined || options.tags.length === 0
            ? { mode: 'multiselect' }
            : { mode: 'multiselect', options: tagOptions([...options.tags].sort()) },
        // X2CRM groups own records as owner teams, found by name or created (by `schema apply`, else by the run), as
        // the built-in map has them; a person who wants none created sets it false and names teams instead.
        teams: { create: true },
      },
      // The timeline as the built-in map has it: Actions by type, Media → notes with the file, closed opportunities.
      entities: proposeTimeline(objectMaps.entities, source, target),
    },
    evidence: objectMaps.evidence,
    review: objectMaps.review,
  }
}

/**
 * Contacts still in the lead pipeline and not tied to a company are leads: lead status open (not Dead or Rejected)
 * and no company link. A proposal: the user edits it and previews the counts before confirming.
 */
function defaultSplitRule(
  fields: readonly X2crmField[],
  dropdowns: readonly X2crmDropdown[],
): WrittenCondition[] {
  const status = fields.find((f) => f.fieldName === 'leadstatus')
  const options = Object.keys(dropdowns.find((d) => String(d.id) === status?.linkType)?.options ?? {})
  const open = options.filter((o) => !/dead|rejected|lost|closed/i.test(o))
  const rule: WrittenCondition[] = []
  if (status !== undefined && open.length > 0) rule.push({ field: 'leadstatus', in: open })
  if (fields.some((f) => f.fieldName === 'company')) rule.push({ hasCompany: false, field: 'company' })
  return rule.length > 0 ? rule : [{ tag: '#lead' }]
}

function proposeFields(
  entity: string,
  fields: readonly X2crmField[],
  tableName: string,
  table: TableMetadata,
  sample: readonly X2crmRecord[],
  context: Context,
): { fields: Record<string, WrittenField>; evidence: Record<string, FieldEvidence>; review: string[] } {
  const profiles = new Map(fields.map((f) => [f.fieldName, profileValues(sample.map((r) => r[f.fieldName]))]))
  const candidates: Candidate[] = []
  for (const field of fields) {
    const transform = naturalTransform(field, context.source.dropdowns)
    if (transform === undefined) continue
    const profile = profiles.get(field.fieldName) ?? profileValues([])
    candidates.push(...candidatesFor(field, transform, table, profile, context, false))
    for (const other of ALTERNATIVES[field.type] ?? []) {
      candidates.push(...candidatesFor(field, other, table, profile, context, true))
    }
  }
  candidates.sort((a, b) => b.score - a.score)
  const taken = new Map<string, Candidate>()
  const usedColumns = new Set(Object.keys(DEFAULT_VALUES[tableName] ?? {}))
  for (const candidate of candidates) {
    if (candidate.score < context.accept) break
    if (taken.has(candidate.field.fieldName) || usedColumns.has(candidate.column.name)) continue
    taken.set(candidate.field.fieldName, candidate)
    usedColumns.add(candidate.column.name)
  }

  const written: Record<string, WrittenField> = {}
  const evidence: Record<string, FieldEvidence> = {}
  const review: string[] = []
  const newNames = new Set(table.columns.map((c) => c.name))
  for (const field of fields) {
    const name = field.fieldName
    const profile = profiles.get(name) ?? profileValues([])
    const match = taken.get(name)
    if (match !== undefined) {
      const line = writtenFor(match, entity, context)
      if (match.score < context.reviewBelow) {
        line.review = `confidence ${match.score.toFixed(2)}: check that ${tableName}.${match.column.name} is right`
        review.push(name)
      }
      written[name] = line
      evidence[name] = { confidence: round(match.score), reasons: match.reasons }
      continue
    }
    if (SYSTEM_FIELDS.has(name)) {
      written[name] = { skip: true, reason: systemReason(name) }
      evidence[name] = { confidence: 1, reasons: ['X2CRM bookkeeping field'] }
      continue
    }
    const best = candidates.find((c) => c.field.fieldName === name)
    const transform = naturalTransform(field, context.source.dropdowns)
    if (transform === undefined || transform === 'link' || transform === 'owner') {
      const why =
        transform === 'link'
          ? `links to ${field.linkType ?? '?'}, which ${tableName} has no free lookup for`
          : transform === 'owner'
            ? 'Dataverse has one owner; another field fills ownerid'
            : `X2CRM ${field.type} fields have no Dataverse equivalent`
      written[name] = { skip: true, reason: why, review: `not migrated: ${why}` }
      evidence[name] = {
        confidence: 0.5,
        reasons: [why, ...(best ? [`best column ${best.column.name} ${best.score.toFixed(2)}`] : [])],
      }
      review.push(name)
      continue
    }
    if (!field.custom && profile.count > 0 && profile.filled === 0) {
      // Nothing to keep as far as the sample shows; a new column for it would only clutter the form.
      const why = `empty in all ${profile.count} sampled records`
      written[name] = { skip: true, reason: `${why}; no standard column of ${tableName} fits` }
      evidence[name] = {
        confidence: 0.85,
        reasons: [why, ...(best ? [`best column ${best.column.name} ${best.score.toFixed(2)}`] : [])],
      }
      continue
    }
    const column = newColumn(field, transform, profile, context, newNames)
    newNames.add(column.name)
    const line: WrittenField = { target: column.name, transform: column.transform, create: column.spec }
    if (column.choices !== undefined) {
      line.choices = column.choices
      line.newOptions = column.newOptions
    }
    const reasons = [
      field.custom ? `custom field, no standard column` : `no standard column of ${tableName} fits`,
      ...(best ? [`best was ${best.column.name} ${best.score.toFixed(2)}`] : []),
      `new ${column.spec.type}${column.spec.maxLength ? `(${column.spec.maxLength})` : ''} from X2CRM ${field.type}`,
      describeProfile(profile),
    ]
    if (!field.custom) {
      line.review = `X2CRM default field without a standard column: keep the new column ${column.name}, or skip it`
      review.push(name)
    }
    written[name] = line
    evidence[name] = { confidence: field.custom ? 0.9 : 0.6, reasons }
  }
  return { fields: written, evidence, review }
}

function candidatesFor(
  field: X2crmField,
  transform: TransformName,
  table: TableMetadata,
  profile: ValueProfile,
  context: Context,
  synonymOnly: boolean,
): Candidate[] {
  const synonyms = SYNONYMS[normalizeName(field.fieldName)] ?? []
  const linkedTable = transform === 'link' ? context.tableOf.get(field.linkType ?? '') : undefined
  if (transform === 'link' && linkedTable === undefined) return []
  const out: Candidate[] = []
  for (const column of table.columns) {
    // State and status change through their own step (won, lost, closed, completed), after the load.
    if (
      column.readOnly === true ||
      column.primaryId === true ||
      column.type === 'State' ||
      column.type === 'Status'
    )
      continue
    let target = column.name
    if (transform === 'link') {
      const nav = linkedTable === undefined ? undefined : column.nav?.[linkedTable]
      if (nav === undefined || !WRITES.link.includes(column.type)) continue
      target = nav
    } else if (!WRITES[transform].includes(column.type)) continue
    const synonym = synonyms.indexOf(column.name)
    const similarity = Math.max(
      nameSimilarity(field.fieldName, column.name),
      nameSimilarity(field.attributeLabel, column.name),
    )
    if (synonym < 0 && (synonymOnly || SYSTEM_FIELDS.has(field.fieldName) || similarity < 0.55)) continue
    const fit = fitProfile(field, transform, column, profile, context.source.dropdowns)
    // Choices whose options share no label are different lists, however alike the names.
    if (synonym < 0 && (transform === 'choice' || transform === 'multiChoice') && fit.score === 0) continue
    // A synonym always beats a look-alike name (0.93+ against at most 0.9); ties go to the closer name.
    const named =
      synonym >= 0
        ? 0.94 - 0.02 * synonym + 0.05 * fit.score + 0.01 * similarity
        : 0.65 * similarity + 0.15 + 0.1 * fit.score
    // A choice whose options mostly find no choice of the column is a guess, however right the name: taken (the name
    // says it is that column) but at most 0.75, so it is flagged for review ("0 of 3 options match" is no 0.95).
    const isChoice = transform === 'choice' || transform === 'multiChoice'
    const score = isChoice && fit.score < 0.5 ? Math.min(named, 0.75) : named
    const reasons = [
      synonym >= 0
        ? `CRM synonym: ${field.fieldName} → ${column.name}`
        : `name/label ${Math.round(similarity * 100)}% alike`,
      `X2CRM ${field.type} → ${column.type}${column.maxLength ? `(${column.maxLength})` : ''}`,
      ...fit.notes,
    ]
    out.push({ field, column, target, transform, score: Math.min(1, score), reasons })
  }
  return out
}

/** How well the sample fits the column, 0–1, with the observations. */
function fitProfile(
  field: X2crmField,
  transform: TransformName,
  column: ColumnMetadata,
  profile: ValueProfile,
  dropdowns: readonly X2crmDropdown[],
): { score: number; notes: string[] } {
  if (transform === 'choice' || transform === 'multiChoice') {
    const options = dropdownOf(field, dropdowns)?.options ?? {}
    const labels = Object.entries(options).filter(([key, label]) => !isEmptyOption(key, label))
    const matched = labels.filter(([key, label]) => optionFor(column, key, label) !== undefined).length
    const score = labels.length === 0 ? 0.5 : matched / labels.length
    return { score, notes: [`${matched} of ${labels.length} options match choices by label`] }
  }
  if (profile.filled === 0) return { score: 0.5, notes: [describeProfile(profile)] }
  const notes = [describeProfile(profile)]
  let score = 1
  if (column.maxLength !== undefined && profile.maxLength > column.maxLength) {
    score = Math.min(score, column.maxLength / profile.maxLength)
    notes.push(`longest value ${profile.maxLength} > column's ${column.maxLength}`)
  }
  if (/email/.test(column.name)) score = Math.min(score, profile.formats.email)
  if (/url/.test(column.name)) score = Math.min(score, Math.max(profile.formats.url, 0.5))
  return { score, notes }
}

function writtenFor(match: Candidate, entity: string, context: Context): WrittenField {
  const line: WrittenField = { target: match.target, transform: match.transform }
  if (match.transform === 'link') {
    const linkTo = match.field.linkType ?? ''
    line.linkTo = linkTo
    line.pass = (context.orderOf.get(linkTo) ?? 0) >= (context.orderOf.get(entity) ?? 0) ? 2 : 1
  }
  if (match.transform === 'choice' || match.transform === 'multiChoice') {
    const { choices, newOptions } = choicesFor(match.field, match.column, context.source.dropdowns)
    line.choices = choices
    if (Object.keys(newOptions).length > 0) line.newOptions = newOptions
  }
  return line
}

/** Dropdown options → the column's choices by label; options it lacks become new choice values. */
function choicesFor(
  field: X2crmField,
  column: ColumnMetadata | undefined,
  dropdowns: readonly X2crmDropdown[],
): { choices: Record<string, number>; newOptions: Record<string, string> } {
  const choices: Record<string, number> = {}
  const newOptions: Record<string, string> = {}
  const used = new Set((column?.options ?? []).map((o) => o.value))
  let next = FIRST_NEW_OPTION
  for (const [key, label] of Object.entries(dropdownOf(field, dropdowns)?.options ?? {})) {
    if (isEmptyOption(key, label)) continue
    const existing = column === undefined ? undefined : optionFor(column, key, label)
    if (existing !== undefined) {
      choices[key] = existing
      continue
    }
    while (used.has(next)) next++
    used.add(next)
    choices[key] = next
    newOptions[String(next)] = label
  }
  return { choices, newOptions }
}

function optionFor(column: ColumnMetadata, key: string, label: string): number | undefined {
  const wanted = new Set([normalizeName(label), normalizeName(key)])
  return column.options?.find((o) => wanted.has(normalizeName(o.label)))?.value
}

/** X2CRM's "None" option stands for no value: it loads as an empty column, not as a choice. */
function isEmptyOption(key: string, label: string): boolean {
  return key.trim() === '' || (key === 'None' && label === 'None')
}

function dropdownOf(field: X2crmField, dropdowns: readonly X2crmDropdown[]): X2crmDropdown | undefined {
  return field.type === 'dropdown' ? dropdowns.find((d) => String(d.id) === field.linkType) : undefined
}

/** The transform a field's X2CRM type calls for; undefined when nothing in Dataverse holds it. */
function naturalTransform(field: X2crmField, dropdowns: readonly X2crmDropdown[]): TransformName | undefined {
  switch (field.type) {
    case 'varchar':
    case 'text':
      return 'text'
    case 'email':
      return 'email'
    case 'phone':
      return 'phone'
    case 'url':
      return 'url'
    case 'int':
    case 'rating':
      return 'integer'
    case 'currency':
    case 'percentage':
    case 'float':
      return 'decimal'
    case 'boolean':
      return 'boolean'
    case 'date':
      return 'unixToDate'
    case 'dateTime':
      return 'unixToIso'
    case 'dropdown': {
      const dropdown = dropdownOf(field, dropdowns)
      if (dropdown === undefined) return 'text'
      return dropdown.multi ? 'multiChoice' : 'choice'
    }
    case 'link':
      return 'link'
    case 'assignment':
    case 'optionalAssignment':
      return 'owner'
    default:
      return undefined
  }
}

/** Other transforms a field may use, tried only against its synonyms (`inventory` text → `quantityonhand`). */
const ALTERNATIVES: Readonly<Record<string, readonly TransformName[]>> = {
  varchar: ['decimal', 'integer'],
  percentage: ['integer'],
  currency: ['integer'],
}

interface ProposedColumn {
  name: string
  transform: TransformName
  spec: NewColumn
  choices?: Record<string, number>
  newOptions?: Record<string, string>
}

/** A new column for a field no standard column holds: type and length from X2CRM's type and the sample. */
function newColumn(
  field: X2crmField,
  transform: TransformName,
  profile: ValueProfile,
  context: Context,
  taken: ReadonlySet<string>,
): ProposedColumn {
  let name = `${context.prefix}${normalizeName(field.fieldName.replace(/^c_/, ''))}`
  while (taken.has(name)) name = `${name}_x2`
  const label = field.attributeLabel
  const text = (type: 'String' | 'Memo', maxLength: number): NewColumn => ({ type, maxLength, label })
  switch (transform) {
    case 'email':
      return { name, transform, spec: text('String', 100) }
    case 'phone':
      return { name, transform, spec: text('String', 50) }
    case 'url':
      return { name, transform, spec: text('String', 200) }
    case 'integer':
      return { name, transform, spec: { type: 'Integer', label } }
    case 'decimal':
      return { name, transform, spec: { type: field.type === 'currency' ? 'Money' : 'Decimal', label } }
    case 'boolean':
      return { name, transform, spec: { type: 'Boolean', label } }
    case 'unixToDate':
      return { name, transform, spec: { type: 'DateTime', label, dateOnly: true } }
    case 'unixToIso':
      return { name, transform, spec: { type: 'DateTime', label } }
    case 'choice':
    case 'multiChoice': {
      const { choices, newOptions } = choicesFor(field, undefined, context.source.dropdowns)
      const type = transform === 'choice' ? 'Picklist' : 'MultiSelectPicklist'
      return { name, transform, spec: { type, label }, choices, newOptions }
    }
    default: {
      if (field.type === 'text' || profile.maxLength > 4000)
        return { name, transform: 'text', spec: text('Memo', 65_535) }
      // X2CRM varchar fields are VARCHAR(255); a longer sample means the column was widened.
      const length = Math.max(255, Math.ceil((profile.maxLength * 1.1) / 50) * 50)
      return { name, transform: 'text', spec: text('String', length) }
    }
  }
}

function systemReason(name: string): string {
  if (name === 'id') return 'written to the X2CRM id column of every table'
  if (name === 'visibility') return 'Dataverse security roles and ownership replace X2CRM visibility'
  if (name === 'lastUpdated' || name === 'updatedBy' || name === 'lastActivity')
    return 'Dataverse keeps its own modified on/by'
  return 'X2CRM bookkeeping, no meaning in Dataverse'
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}
