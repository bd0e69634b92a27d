import { empty, json, recordUrl, type ActionContext, type Outcome } from './context.ts'
import { provide, type Provided } from './provider.ts'
import { parseCondition, parsePaging, satisfies, type Row } from './query.ts'
import { blankRequired, deriveNames, parseInput, storedForm } from './record-values.ts'
import { ApiReply } from './responses.ts'
import { associationClass, assignees, idOf, isHiddenFromLists, type ClassInfo, type Store } from './store.ts'

/** `actionModel` and `actionCount`: records of an X2Model class. */

export function requireClass(context: ActionContext, className: string | undefined): ClassInfo {
  const info = className === undefined ? undefined : context.store.classInfo(className)
  if (!info) throw new ApiReply(500, `Class: ${className ?? ''} not found.`)
  return info
}

/** Record-level access merged into every list and count. */
function visibleTo(context: ActionContext, row: Row): boolean {
  if (isHiddenFromLists(row)) return false
  if (context.user.access === 'admin' || !('visibility' in row)) return true
  return Number(row.visibility) !== 0 || assignees(row).includes(context.user.username)
}

/** `_tags=a,b` joins x2_tags (all tags, or any with `_tagOr=1`); rows come in the join's order, distinct. */
function candidateRows(context: ActionContext, info: ClassInfo): Row[] {
  const tagsParam = context.params._tags
  const rows = context.store.rows(info.name).filter((row) => visibleTo(context, row))
  if (typeof tagsParam !== 'string') return rows
  const wanted = tagsParam.split(',').map((tag) => `#${tag}`.toLowerCase())
  const tagOr = context.params._tagOr
  const any = typeof tagOr === 'string' && /^\s*[-+]?0*[1-9]/.test(tagOr)
  const tagRows = context.store.tags.filter(
    (tag) => tag.type === info.name && wanted.includes(tag.tag.toLowerCase()),
  )
  const byId = new Map(rows.map((row) => [idOf(row), row]))
  const ordered: Row[] = []
  const seen = new Set<number>()
  const sortedTags = [...tagRows].sort((a, b) =>
    a.tag.toLowerCase() === b.tag.toLowerCase()
      ? a.itemId - b.itemId
      : a.tag.toLowerCase() < b.tag.toLowerCase()
        ? -1
        : 1,
  )
  const tagsOf = new Map<number, Set<string>>()
  for (const tag of tagRows)
    tagsOf.set(tag.itemId, (tagsOf.get(tag.itemId) ?? new Set()).add(tag.tag.toLowerCase()))
  for (const tag of sortedTags) {
    const row = byId.get(tag.itemId)
    if (!row || seen.has(tag.itemId)) continue
    if (any || wanted.every((name) => tagsOf.get(tag.itemId)?.has(name))) {
      seen.add(tag.itemId)
      ordered.push(row)
    }
  }
  return any ? ordered : ordered.sort((a, b) => idOf(a) - idOf(b))
}

function query(
  context: ActionContext,
  info: ClassInfo,
  extra?: (row: Row) => boolean,
  rows?: Row[],
): Provided {
  if (!rows) {
    const scanned = scanQuery(context, info, extra)
    if (scanned) return scanned
  }
  return provide(
    context.params,
    {
      rows: rows ?? candidateRows(context, info),
      className: info.name,
      attributes: info.attributes,
      numericColumns: info.numericColumns,
      dateColumns: info.dateColumns,
      indexes: info.indexes,
      extra,
      rewrite:
        info.name === 'Actions'
          ? (column, value) => actionsAssociationType(context, column, value)
          : undefined,
    },
    { now: context.now, maxPageSize: context.maxPageSize },
  )
}

/**
 * On a virtual store, a keyset read (`id=>N`, ordered by id, first page, no tags) scans from N in chunks instead of
 * filtering the whole class: same rows, same order, memory of one chunk. Counts scan everything, chunk by chunk.
 */
function scanQuery(
  context: ActionContext,
  info: ClassInfo,
  extra?: (row: Row) => boolean,
): Provided | undefined {
  const { params, store } = context
  // A held class scans its id index only when the read asks for id order (its lists follow database order).
  const byId = typeof params._order === 'string' && /^[+ ]?id$/.test(params._order)
  const scan = store.scan?.bind(store) ?? (byId ? store.idOrder?.bind(store) : undefined)
  if (!scan || params._tags !== undefined || params._or !== undefined) return undefined
  if (params._page !== undefined && params._page !== '0') return undefined
  if (
    params._order !== undefined &&
    !(typeof params._order === 'string' && /^[+ ]?id$/.test(params._order))
  ) {
    return undefined
  }
  const idFilter = params.id
  const after =
    idFilter === undefined ? undefined : typeof idFilter === 'string' ? /^>(-?\d+)$/.exec(idFilter) : null
  if (after === null) return undefined
  const counting = context.route.action === 'count'
  const { pageSize } = parsePaging(params, context.maxPageSize)
  const page: Row[] = []
  let total = 0
  let chunk: Row[] = []
  const flush = () => {
    const provided = query(context, info, extra, chunk)
    total += provided.total
    if (!counting) page.push(...provided.page.slice(0, pageSize - page.length))
    chunk = []
  }
  for (const row of scan(info.name, after ? Number(after[1]) : Number.MIN_SAFE_INTEGER)) {
    if (!visibleTo(context, row)) continue
    chunk.push(row)
    if (chunk.length >= (counting ? 2000 : pageSize)) {
      flush()
      if (!counting && page.length >= pageSize) break
    }
  }
  if (chunk.length > 0) flush()
  return { page, total }
}

/** Actions store `associationType` as a module name; a filter may name the class (`Contacts` -> `contacts`). */
function actionsAssociationType(context: ActionContext, column: string, value: string | string[]) {
  if (column !== 'associationType' || typeof value !== 'string') return value
  const className = associationClass(value, context.store)
  return (className && context.store.classInfo(className)?.module) ?? value
}

/** `_findBy` = `a=v;b=w`: exact matches on real attributes. */
export function findConditions(findBy: string, info: ClassInfo): [string, string][] {
  const conditions = new Map<string, string>()
  for (const part of findBy.split(';')) {
    const [attribute, ...rest] = part.split('=')
    if (attribute === undefined || rest.length === 0) continue
    conditions.set(attribute, rest.join('='))
  }
  return [...conditions].filter(([attribute]) => info.attributes.has(attribute))
}

function findAll(context: ActionContext, info: ClassInfo, conditions: [string, string][]): Row[] {
  const numeric = info.numericColumns
  return context.store
    .rows(info.name)
    .filter((row) =>
      conditions.every(([column, value]) =>
        satisfies(row[column], { column, operator: '=', value }, numeric.has(column)),
      ),
    )
}

/** `getModel()`: by `_id`, or by `_findBy` (404 none, 300 several unless `_useFirst`). */
export function loadModel(context: ActionContext): Row {
  const { route, store } = context
  const info = requireClass(context, route.className)
  if (route.id !== undefined) {
    const row = store.get(info.name, Number(route.id))
    if (!row) throw new ApiReply(404, `Record ${route.id} of class "${info.name}" not found.`)
    return row
  }
  if (route.findBy !== undefined) {
    const conditions = findConditions(route.findBy, info)
    if (conditions.length === 0) {
      throw new ApiReply(400, `Invalid/improperly formatted attribute conditions: "${route.findBy}"`)
    }
    const models = findAll(context, info, conditions)
    const first = models[0]
    if (!first) throw new ApiReply(404, `No matching record of class ${info.name} found`)
    if (models.length > 1 && !context.params._useFirst) {
      const query = conditions.map(
        ([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
      )
      const queryUri = `${route.base}/${info.name}?${query.join('&')}`
      const directUris = models.map((model) => `${route.base}/${info.name}/${idOf(model)}.json`)
      throw new ApiReply(300, 'Multiple records match.', { Location: queryUri }, { queryUri, directUris })
    }
    return first
  }
  throw new ApiReply(
    400,
    `Cannot use method ${context.method} in action "${route.action}" without specifying a valid record ID or finding condition.`,
  )
}

/** `kludgesForActions`: `{Class}/{id}/Actions[/{actionId}.json]` checks the associated record first. */
function checkActionAssociation(context: ActionContext): void {
  const { associationType, associationId } = context.route.injected
  if (associationType === undefined || associationId === undefined) return
  requireClass(context, associationType)
  if (!context.store.get(associationType, Number(associationId))) {
    throw new ApiReply(404, 'Associated record not found.')
  }
  if (context.route.id === undefined || context.method === 'POST') return
  const action = context.model()
  if (String(action.associationId) === associationId) return
  const type = typeof action.associationType === 'string' ? action.associationType : ''
  const owner = type === '' ? undefined : associationClass(type, context.store)
  const location = owner
    ? `${context.origin}${context.route.base}/${owner}/${String(action.associationId)}/Actions/${context.route.id}.json`
    : recordUrl(context, 'Actions', context.route.id)
  throw new ApiReply(303, 'Action has a different association than the one specified.', {
    Location: location,
  })
}

export async function modelAction(context: ActionContext): Promise<Outcome> {
  const info = requireClass(context, context.route.className)
  checkActionAssociation(context)
  const { route } = context
  switch (context.method) {
    case 'GET':
      if (route.id !== undefined || route.findBy !== undefined) return json(context.model())
      return json(query(context, info).page)
    case 'POST':
      if (route.id !== undefined || route.findBy !== undefined) {
        throw new ApiReply(
          400,
          'POST should be used for creating new records and cannot be used to update an existing model. PUT or PATCH should be used instead.',
        )
      }
      return createRecord(context, info)
    case 'PATCH':
    case 'PUT':
      return updateRecord(context, info)
    case 'DELETE':
      deleteRecord(context.store, info, idOf(context.model()))
      return empty
  }
  throw new ApiReply(405, `Action "model" does not support ${context.method}.`)
}

export function countAction(context: ActionContext): Outcome {
  const info = requireClass(context, context.route.className)
  if (context.route.findBy === undefined) return json(query(context, info).total)
  // count/by: goes through CDbCriteria::compare, so operator prefixes work here too.
  const conditions = findConditions(context.route.findBy, info).flatMap(
    ([column, value]) => parseCondition(column, value, { partial: false, escape: true }) ?? [],
  )
  const matches = (row: Row) =>
    conditions.every((condition) =>
      satisfies(row[condition.column], condition, info.numericColumns.has(condition.column)),
    )
  return json(query(context, info, matches).total)
}

async function objectBody(context: ActionContext): Promise<Record<string, unknown>> {
  const body = await context.body()
  return Array.isArray(body) ? { ...body } : body
}

function failValidation(errors: Record<string, string[]>): void {
  if (Object.keys(errors).length > 0) throw new ApiReply(422, 'Model failed validation.', {}, { errors })
}

async function createRecord(context: ActionContext, info: ClassInfo): Promise<Outcome> {
  const input = await objectBody(context)
  const { store, now } = context
  const parsed = parseInput(info, input, store)
  const record: Record<string, unknown> = {}
  for (const field of info.fields) if (typeof field.fieldName === 'string') record[field.fieldName] = null
  for (const field of info.fields) {
    if (field.type === 'boolean' && info.name !== 'Actions' && typeof field.fieldName === 'string') {
      record[field.fieldName] = 0
    }
  }
  if ('assignedTo' in record) record.assignedTo = 'Anyone'
  Object.assign(record, parsed.values)
  failValidation({ ...blankRequired(info, record), ...parsed.errors })

  const id = store.allocateId(info.name)
  const timestamps: Record<string, unknown> = { createDate: now, lastUpdated: now }
  if (info.attributes.has('lastActivity')) timestamps.lastActivity = now
  if (info.attributes.has('updatedBy') && info.name !== 'Actions')
    timestamps.updatedBy = context.user.username
  if (info.name === 'Contacts' && info.attributes.has('trackingKey')) timestamps.trackingKey = trackingKey(id)
  Object.assign(record, timestamps)
  if (info.name === 'Actions') fillNewAction(context, record)
  deriveNames(info, record, id)

  store.put(info.name, storedForm(info, { ...record, id }))
  for (const [, [targetClass, targetId]] of parsed.links) {
    store.relationships.push({
      id: store.allocateId('relationships'),
      firstType: info.name,
      firstId: id,
      firstLabel: null,
      secondType: targetClass,
      secondId: targetId,
      secondLabel: null,
    })
  }
  // The 201 body is the model as held in memory: the new id as a string, booleans as true/false.
  return json({ ...record, id: String(id) }, 201, { Location: recordUrl(context, info.name, id) })
}

function fillNewAction(context: ActionContext, record: Record<string, unknown>): void {
  const { associationType, associationId } = context.route.injected
  record.completedBy = 'Anyone'
  record.flowTriggered = 0
  if (associationType !== undefined && associationId !== undefined) {
    record.associationType = context.store.classInfo(associationType)?.module ?? associationType
    record.associationId = associationId
    const name = context.store.get(associationType, Number(associationId))?.name
    record.associationName = typeof name === 'string' ? name : null
  }
  if (typeof record.dueDate === 'number' && typeof record.completeDate === 'number') {
    record.timeSpent = record.completeDate - record.dueDate
  }
}

/** 32 characters of [A-Za-z0-9], stable per id. */
function trackingKey(id: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  let state = (id * 2654435761) >>> 0
  let key = ''
  for (let i = 0; i < 32; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    key += alphabet.charAt(state % alphabet.length)
  }
  return key
}

async function updateRecord(context: ActionContext, info: ClassInfo): Promise<Outcome> {
  const current = context.model()
  const input = await objectBody(context)
  const attributes = new Set(Object.keys(input).filter((name) => info.attributes.has(name)))
  const parsed = parseInput(info, input, context.store)
  const record: Record<string, unknown> = { ...current }
  for (const name of attributes) if (name in parsed.values) record[name] = parsed.values[name]
  failValidation({ ...blankRequired(info, record, attributes), ...parsed.errors })
  record.lastUpdated = context.now
  if (info.attributes.has('lastActivity')) record.lastActivity = context.now
  if (info.attributes.has('updatedBy') && info.name !== 'Actions') record.updatedBy = context.user.username
  if (attributes.has('firstName') || attributes.has('lastName')) deriveNames(info, record, idOf(current))
  const stored = context.store.put(info.name, storedForm(info, record))
  return json(stored)
}

/**
 * Deletes a record with what X2CRM deletes along: its tags, relationships and actions. Link fields that pointed at
 * it become the bare name (no `_ID`).
 */
export function deleteRecord(store: Store, info: ClassInfo, id: number): void {
  const deleted = store.get(info.name, id)
  store.remove(info.name, id)
  removeWhere(store.tags, (tag) => tag.type === info.name && tag.itemId === id)
  removeWhere(
    store.relationships,
    (rel) =>
      (rel.firstType === info.name && Number(rel.firstId) === id) ||
      (rel.secondType === info.name && Number(rel.secondId) === id),
  )
  if (info.name !== 'Actions') {
    for (const action of store.rows('Actions')) {
      const type = typeof action.associationType === 'string' ? action.associationType : ''
      if (Number(action.associationId) === id && type.toLowerCase() === info.module.toLowerCase()) {
        store.remove('Actions', idOf(action))
      }
    }
  }
  if (typeof deleted?.nameId === 'string') unlinkEverywhere(store, info.name, deleted.nameId, deleted.name)
}

function unlinkEverywhere(store: Store, className: string, nameId: string, name: unknown): void {
  for (const other of store.classNames()) {
    const otherInfo = store.classInfo(other)
    const linkFields = (otherInfo?.fields ?? []).filter((f) => f.type === 'link' && f.linkType === className)
    if (!otherInfo || linkFields.length === 0) continue
    for (const row of store.rows(other)) {
      const changed = { ...row }
      let touched = false
      for (const field of linkFields) {
        const fieldName = String(field.fieldName)
        if (row[fieldName] === nameId) {
          changed[fieldName] = typeof name === 'string' ? name : null
          touched = true
        }
      }
      if (touched) store.put(other, changed)
    }
  }
}

export function removeWhere<T>(rows: T[], predicate: (row: T) => boolean): void {
  for (let i = rows.length - 1; i >= 0; i--) if (predicate(rows[i] as T)) rows.splice(i, 1)
}
