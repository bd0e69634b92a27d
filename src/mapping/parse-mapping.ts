import { withObjectRules } from './object-rules.ts'
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml'
import { tableRefFor } from './known-tables.ts'
import { orderEntityMaps } from './load-order.ts'
import { normalizeTimeline } from './parse-timeline.ts'
import type {
  Dedupe,
  EntityMap,
  FieldMap,
  Mapping,
  MappingSettings,
  RecordCondition,
  TagsChoice,
} from './types.ts'
import {
  WrittenMappingSchema,
  type WrittenCondition,
  type WrittenDedupe,
  type WrittenEntity,
  type WrittenField,
  type WrittenMappingParsed,
} from './written-mapping.ts'

export interface ParsedMapping {
  /** Present when there are no errors. */
  value?: Mapping
  /** Each `path (line n): what is wrong and what to do`. */
  errors: string[]
  warnings: string[]
  /** The written map after schema checks, for tools that keep the user's structure (validate, schema plan). */
  written?: WrittenMappingParsed
}

/**
 * mapping.yaml text → a trusted Mapping with entities in load order. Never throws: every problem comes back at once,
 * each with its path in the file and its line (`entities.Contacts.fields.email.target (line 14): ...`).
 */
export function parseMapping(text: string): ParsedMapping {
  const lines = new LineCounter()
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true })
  if (document.errors.length > 0) {
    return {
      errors: document.errors.map((error) => {
        const at = error.linePos?.[0]
        const where = at === undefined ? '' : ` (line ${at.line}, column ${at.col})`
        const first = (error.message.split('\n')[0] ?? error.message).replace(
          / at line \d+, column \d+:?$/,
          '',
        )
        return `YAML${where}: ${first}; fix the syntax and run again`
      }),
      warnings: [],
    }
  }
  const at = locator(document, lines)
  const parsed = WrittenMappingSchema.safeParse(document.toJS() ?? {})
  if (!parsed.success) {
    return {
      errors: flattenIssues(parsed.error.issues, []).map(({ path, message }) => {
        return `${path.join('.') || '(top level)'}${at(path)}: ${message}`
      }),
      warnings: [],
    }
  }
  const written = parsed.data
  const errors: string[] = []
  const warnings: string[] = []
  const problem = (list: string[]) => (path: readonly string[], message: string) =>
    list.push(`${path.join('.')}${at(path)}: ${message}`)
  const error = problem(errors)
  const warn = problem(warnings)

  const settings = normalizeSettings(written)
  // By X2CRM class: the table a link to it binds into (its first entity), every table a regarding may find it in.
  const mainTable = new Map<string, ReturnType<typeof tableRefFor>>()
  const classTables = new Map<string, ReturnType<typeof tableRefFor>[]>()
  for (const [key, e] of Object.entries(written.entities)) {
    const cls = e.entity ?? key
    const tables = [tableRefFor(e.table, e), ...(e.split ? [tableRefFor(e.split.table)] : [])]
    if (!mainTable.has(cls)) mainTable.set(cls, tables[0] ?? tableRefFor(e.table))
    classTables.set(cls, [...(classTables.get(cls) ?? []), ...tables])
  }
  const entities: EntityMap[] = []
  for (const [key, writtenEntity] of Object.entries(written.entities)) {
    const path = ['entities', key]
    // A key other than the class names one table of a class routed by a rule (`Actions→phonecall`).
    const entity = writtenEntity.entity ?? key
    const table = tableRefFor(writtenEntity.table, writtenEntity)
    const fields = normalizeFields(
      writtenEntity.fields,
      [...path, 'fields'],
      mainTable,
      error,
      warn,
      classTables,
    )
    const split = writtenEntity.split
    const skippedOf = (written: Readonly<Record<string, WrittenField>>) =>
      Object.entries(written)
        .filter(([, field]) => 'skip' in field)
        .map(([name]) => name)
    const dedupe = normalizeDedupe(writtenEntity.dedupe, fields, path, error)
    const writtenRepairs = { ...written.settings.repairs, ...writtenEntity.repairs }
    // Only a map that names repairs carries them: absent means every repair on.
    const repairs =
      Object.keys(writtenRepairs).length === 0
        ? undefined
        : {
            linkByName: writtenRepairs.linkByName ?? true,
            caseInsensitiveClass: writtenRepairs.caseInsensitiveClass ?? true,
            caseInsensitiveChoice: writtenRepairs.caseInsensitiveChoice ?? true,
          }
    const timeline = normalizeTimeline(writtenEntity, table.logicalName, path, error)
    if (writtenEntity.when !== undefined && split !== undefined)
      error([...path, 'when'], '`when` and `split` do not go together: route the records with one of them')
    const routed = writtenEntity.when?.map((c) => normalizeCondition(c, writtenEntity))
    const main: EntityMap = {
      entity,
      ...(key !== entity && { name: key }),
      table,
      ...(routed && { where: { match: writtenEntity.match ?? 'any', conditions: routed } }),
      ...timeline,
      fields,
      skipped: skippedOf(writtenEntity.fields),
      sourceIdColumn: settings.sourceIdColumn,
      ...(writtenEntity.defaults && { defaults: writtenEntity.defaults }),
      ...(writtenEntity.createTable && { createTable: writtenEntity.createTable }),
      ...(dedupe && { dedupe }),
      ...(repairs && { repairs }),
    }
    if (split === undefined) {
      entities.push(withObjectRules(main, mainTable.get('Contacts')))
      continue
    }
    const where = {
      match: split.match,
      conditions: split.when.map((c) => normalizeCondition(c, writtenEntity)),
    }
    entities.push({ ...main, where: { ...where, negate: true } })
    const splitFields = normalizeFields(
      split.fields,
      [...path, 'split', 'fields'],
      mainTable,
      error,
      warn,
      classTables,
    )
    const splitDedupe = normalizeDedupe(split.dedupe, splitFields, [...path, 'split'], error)
    entities.push({
      entity,
      name: `${entity}→${split.table}`,
      table: tableRefFor(split.table),
      sourceIdColumn: settings.sourceIdColumn,
      skipped: skippedOf(split.fields),
      fields: splitFields,
      where,
      ...(split.defaults && { defaults: split.defaults }),
      ...(splitDedupe && { dedupe: splitDedupe }),
      ...(repairs && { repairs }),
    })
  }
  const ordered = orderEntityMaps(entities)
  for (const cycle of ordered.cycles) {
    error(
      ['entities'],
      `the load order has a cycle ${cycle.join(' → ')}: set \`pass: 2\` on one of the links that close it`,
    )
  }
  if (errors.length > 0) return { errors, warnings, written }
  return { value: { entities: ordered.entities, settings }, errors, warnings, written }
}

function normalizeSettings(written: WrittenMappingParsed): MappingSettings {
  const { publisherPrefix, tags } = written.settings
  let tagsChoice: TagsChoice
  if (tags.mode === 'multiselect')
    tagsChoice = {
      mode: 'multiselect',
      column: tags.column ?? `${publisherPrefix}x2crmtags`,
      ...(tags.options !== undefined && { options: tags.options }),
    }
  else if (tags.mode === 'text')
    tagsChoice = { mode: 'text', column: tags.column ?? `${publisherPrefix}x2crmtags` }
  else if (tags.mode === 'table')
    tagsChoice = { mode: 'table', table: tags.table ?? `${publisherPrefix}x2crmtag` }
  else tagsChoice = { mode: 'none' }
  return {
    publisherPrefix,
    sourceIdColumn: written.settings.sourceIdColumn ?? `${publisherPrefix}x2crmid`,
    tags: tagsChoice,
    ...(written.settings.teams !== undefined && { teams: written.settings.teams }),
    ...(written.settings.impersonateAuthors !== undefined && {
      impersonateAuthors: written.settings.impersonateAuthors,
    }),
  }
}

type Report = (path: readonly string[], message: string) => void

function normalizeFields(
  fields: Readonly<Record<string, WrittenField>>,
  path: readonly string[],
  mainTable: ReadonlyMap<string, ReturnType<typeof tableRefFor>>,
  error: Report,
  warn: Report,
  classTables: ReadonlyMap<string, readonly ReturnType<typeof tableRefFor>[]> = new Map(),
): FieldMap[] {
  const result: FieldMap[] = []
  for (const [source, field] of Object.entries(fields)) {
    const at = [...path, source]
    if (field.review !== undefined) {
      warn(at, `flagged for review: ${field.review}. Check it, then delete the \`review:\` line`)
    }
    if ('skip' in field) continue
    const map: FieldMap = { source: field.source ?? source, target: field.target, transform: field.transform }
    if (field.transform === 'link') {
      if (field.linkTo === undefined) {
        error([...at, 'linkTo'], 'a link needs `linkTo:` naming the X2CRM class it points at')
        continue
      }
      const table = mainTable.get(field.linkTo)
      if (table === undefined) {
        error(
          [...at, 'linkTo'],
          `${field.linkTo} is not an entity of this map; add it under entities, or skip the field (skip: true)`,
        )
        continue
      }
      map.linkTo = { entity: field.linkTo, table }
      map.pass = field.pass ?? 1
    } else if (field.transform === 'regarding') {
      const classes = field.regardingTo ?? []
      const unknown = classes.filter((entity) => !mainTable.has(entity))
      if (unknown.length > 0) {
        error(
          [...at, 'regardingTo'],
          `${unknown.join(', ')} ${unknown.length === 1 ? 'is not an entity' : 'are not entities'} of this map; ` +
            'list only classes the map loads',
        )
        continue
      }
      // Every table the class loads into (a split class twice): the regarding binds into whichever holds the record.
      map.regardingTo = classes.flatMap((entity) => {
        const tables = classTables.get(entity) ?? [mainTable.get(entity)]
        return tables.flatMap((table) => (table === undefined ? [] : [{ entity, table }]))
      })
      map.pass = field.pass ?? 1
    } else if (field.linkTo !== undefined || field.pass !== undefined) {
      error(at, '`linkTo` and `pass` belong to `transform: link` only')
    }
    if (field.regardingTo !== undefined && field.transform !== 'regarding') {
      error(at, '`regardingTo` belongs to `transform: regarding` only')
    }
    if (field.trim !== undefined) {
      if (field.transform === 'text') map.trim = field.trim
      else
        error(
          at,
          '`trim` belongs to `transform: text` only (the other transforms read the value as they need)',
        )
    }
    const isChoice = field.transform === 'choice' || field.transform === 'multiChoice'
    if (isChoice) {
      if (field.choices === undefined) {
        error(at, `\`transform: ${field.transform}\` needs \`choices:\` (X2CRM value → choice value)`)
        continue
      }
      map.choices = field.choices
      if (field.newOptions !== undefined) map.newOptions = field.newOptions
    } else if (field.choices !== undefined || field.newOptions !== undefined) {
      error(at, '`choices` and `newOptions` belong to `transform: choice` or `multiChoice` only')
    }
    if (field.create !== undefined) map.create = field.create
    result.push(map)
  }
  return result
}

/** The written dedupe, checked against the map's own fields: each column once, and filled by one of them. */
function normalizeDedupe(
  dedupe: WrittenDedupe | undefined,
  fields: readonly FieldMap[],
  path: readonly string[],
  error: Report,
): Dedupe | undefined {
  if (dedupe === undefined) return undefined
  const at = [...path, 'dedupe', 'columns']
  const filled = new Set(
    fields.filter((f) => f.transform !== 'link' && f.transform !== 'owner').map((f) => f.target),
  )
  const columns = new Set<string>()
  for (const column of dedupe.columns) {
    if (columns.has(column)) error(at, `${column} is listed twice`)
    else if (!filled.has(column))
      error(
        at,
        `no field of this map fills ${column}; records are matched by the values the map writes, so map a field ` +
          `to ${column} or take it out of dedupe`,
      )
    columns.add(column)
  }
  return { columns: [...columns] }
}

function normalizeCondition(condition: WrittenCondition, entity: WrittenEntity): RecordCondition {
  if ('tag' in condition) {
    return { type: 'tag', tags: typeof condition.tag === 'string' ? [condition.tag] : condition.tag }
  }
  if ('hasCompany' in condition) {
    const field = condition.field ?? ('company' in entity.fields ? 'company' : 'accountName')
    return { type: 'hasCompany', field, value: condition.hasCompany }
  }
  return { type: 'field', field: condition.field, in: condition.in }
}

interface Issue {
  path: PropertyKey[]
  message: string
  code?: string
  errors?: Issue[][]
}

/**
 * Zod's issues with unions opened up: of a union's branches, the one that came closest (fewest issues) speaks, so
 * `target: 5` reads "target: Invalid input: expected string" instead of "Invalid input".
 */
function flattenIssues(
  issues: readonly Issue[],
  base: readonly PropertyKey[],
): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = []
  for (const issue of issues) {
    const path = [...base, ...issue.path]
    if (issue.code === 'invalid_union' && issue.errors !== undefined && issue.errors.length > 0) {
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? []
      if (closest.length > 0) {
        out.push(...flattenIssues(closest, path))
        continue
      }
    }
    out.push({ path: path.map(String), message: issue.message })
  }
  return out
}

/** ` (line n)` of the deepest node of `path` present in the document, or '' when none is. */
function locator(document: Document, lines: LineCounter) {
  return (path: readonly string[]): string => {
    let node: unknown = document.contents
    let offset: number | undefined
    for (const key of path) {
      if (!isMap(node)) break
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key,
      )
      if (pair === undefined) break
      offset = isNode(pair.key) ? pair.key.range?.[0] : offset
      node = pair.value
    }
    return offset === undefined ? '' : ` (line ${lines.linePos(offset).line})`
  }
}
