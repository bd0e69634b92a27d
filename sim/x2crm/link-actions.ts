import { empty, envelopeOf, json, recordUrl, type ActionContext, type Outcome } from './context.ts'
import { listOf } from './meta-actions.ts'
import { removeWhere, requireClass } from './model-actions.ts'
import type { Row } from './query.ts'
import { ApiReply } from './responses.ts'
import { idOf } from './store.ts'

/** Tags, relationships and REST hooks. */

const relationshipColumns = [
  'id',
  'firstType',
  'firstId',
  'firstLabel',
  'secondType',
  'secondId',
  'secondLabel',
]
const tagColumns = ['id', 'type', 'itemId', 'taggedBy', 'tag', 'itemName', 'timestamp']

function tagName(name: string): string {
  return `#${name.replace(/^#+/, '')}`
}

export async function tagsAction(context: ActionContext): Promise<Outcome> {
  const { route, store } = context
  const className = route.className
  const itemId = route.id === undefined ? undefined : idOf(context.model())
  const tag =
    className !== undefined && itemId !== undefined && route.tagName
      ? store.tags.find(
          (row) =>
            row.type === className &&
            row.itemId === itemId &&
            row.tag.toLowerCase() === tagName(route.tagName ?? '').toLowerCase(),
        )
      : undefined
  if (route.tagName && !tag) {
    throw new ApiReply(404, `Tag "${route.tagName}" not found on ${className ?? ''} id=${route.id ?? ''}.`)
  }
  switch (context.method) {
    case 'GET': {
      if (tag) return json(tag)
      const rows = store.tags.filter(
        (row) =>
          (className === undefined || 'type' in context.params || row.type === className) &&
          (itemId === undefined || 'itemId' in context.params || row.itemId === itemId),
      )
      return json(
        listOf(
          context,
          rows.map((row) => ({ ...row })),
          'Tags',
          tagColumns,
        ).map((row) => row.tag),
      )
    }
    case 'POST': {
      if (tag) throw new ApiReply(405, 'Tags cannot be individually modified.')
      const record = context.model()
      const body = await context.body()
      const names = Array.isArray(body) ? body : Object.values(body)
      for (const name of names) {
        if (typeof name !== 'string' && typeof name !== 'number') continue
        const normalized = tagName(String(name).replace(/,/g, ''))
        const exists = store.tags.some(
          (row) =>
            row.type === className &&
            row.itemId === itemId &&
            row.tag.toLowerCase() === normalized.toLowerCase(),
        )
        if (exists || normalized === '#') continue
        store.tags.push({
          id: store.allocateId('tags'),
          type: className ?? '',
          itemId: itemId ?? 0,
          taggedBy: context.user.username,
          tag: normalized,
          itemName: typeof record.name === 'string' ? record.name : null,
          timestamp: context.now,
        })
      }
      return envelopeOf(200, '', { message: 'Tags added successfully.' })
    }
    case 'DELETE': {
      if (!tag) throw new ApiReply(400, 'Tag name must be specified when deleting a tag.')
      removeWhere(store.tags, (row) => row === tag)
      return empty
    }
  }
  throw new ApiReply(405, `Action "tags" does not support ${context.method}.`)
}

/**
 * For a keyset read of the relationships (`_order=+id&id=>N&_limit=L`, what x2d365 pages with), the rows a page can
 * hold: those after N, found by binary search when the table is in id order (as it is stored), at most one page. The
 * list is then filtered, ordered and paged from these as from the whole table, so the answer is the same; without
 * this, every page of 1,000 filtered and sorted every relationship (quadratic: 31 s at a million records). Undefined
 * for any other read, or a table out of id order.
 */
function keysetCandidates(rows: readonly Row[], context: ActionContext): Row[] | undefined {
  const { params } = context
  if (Object.keys(params).some((name) => name !== '_order' && name !== 'id' && name !== '_limit'))
    return undefined
  if (typeof params._order !== 'string' || !/^[+ ]?id$/.test(params._order)) return undefined
  const after = typeof params.id === 'string' ? /^>(\d+)$/.exec(params.id) : null
  if (after === null) return undefined
  const n = Number(after[1])
  for (let i = 1; i < rows.length; i++) if (idOf(rows[i - 1] ?? {}) >= idOf(rows[i] ?? {})) return undefined
  let low = 0
  let high = rows.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (idOf(rows[middle] ?? {}) > n) high = middle
    else low = middle + 1
  }
  return rows.slice(low, low + context.maxPageSize)
}

export async function relationshipsAction(context: ActionContext): Promise<Outcome> {
  const { route, store } = context
  const className = route.className
  const owner = route.id === undefined ? undefined : context.model()
  const ownerId = owner === undefined ? undefined : idOf(owner)
  let relationship: Row | undefined
  if (route.relatedId !== undefined) {
    relationship = store.relationships.find((row) => String(row.id) === route.relatedId)
    if (!relationship) throw new ApiReply(404, `Relationship with id=${route.relatedId} not found.`)
    const rel = relationship
    // The server's own check: it redirects only when none of the four ends matches.
    if (
      className !== undefined &&
      ownerId !== undefined &&
      Number(rel.firstId) !== ownerId &&
      Number(rel.secondId) !== ownerId &&
      rel.firstType !== className &&
      rel.secondType !== className
    ) {
      const location = `${context.origin}${route.base}/${String(rel.firstType)}/${String(rel.firstId)}/relationships/${String(rel.id)}.json`
      throw new ApiReply(
        303,
        `Specified relationship does not correspond to ${className} record ${route.id ?? ''}.`,
        {
          Location: location,
        },
      )
    }
  }
  switch (context.method) {
    case 'GET': {
      if (relationship) {
        const which =
          Number(relationship.firstId) === ownerId && relationship.firstType === className
            ? 'second'
            : 'first'
        const location = recordUrl(
          context,
          String(relationship[`${which}Type`]),
          String(relationship[`${which}Id`]),
        )
        return json(relationship, 200, { Location: location })
      }
      const belongs = (row: Row) =>
        className === undefined ||
        (row.firstType === className && Number(row.firstId) === ownerId) ||
        (row.secondType === className && Number(row.secondId) === ownerId)
      const rows = className === undefined ? store.relationships : store.relationships.filter(belongs)
      return json(
        listOf(context, keysetCandidates(rows, context) ?? rows, 'Relationships', relationshipColumns),
      )
    }
    case 'POST':
    case 'PUT':
    case 'PATCH':
      return saveRelationship(context, relationship)
    case 'DELETE':
      if (!relationship)
        throw new ApiReply(400, 'Cannot delete relationships without specifying which one to delete.')
      removeWhere(store.relationships, (row) => row === relationship)
      return empty
  }
  throw new ApiReply(405, `Action "relationships" does not support ${context.method}.`)
}

async function saveRelationship(context: ActionContext, existing: Row | undefined): Promise<Outcome> {
  const { route, store } = context
  if (!existing && context.method !== 'POST') {
    throw new ApiReply(405, 'Method "POST" is required to create new relationships.')
  }
  const body = await context.body()
  const input = Array.isArray(body) ? {} : body
  const values: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input))
    if (relationshipColumns.includes(key) && key !== 'id') values[key] = value
  const merged: Record<string, unknown> = { ...(existing ?? {}), ...values }
  if (!merged.firstType) {
    merged.firstType = route.className
    merged.firstId = route.id
  } else if (!merged.secondType) {
    merged.secondType = route.className
    merged.secondId = route.id
  }
  const errors = relationshipErrors(context, merged, existing)
  if (Object.keys(errors).length > 0) throw new ApiReply(422, '', {}, { errors })
  if (existing) {
    const stored = { ...existing, ...merged }
    const index = store.relationships.indexOf(existing)
    store.relationships[index] = stored
    return json(stored)
  }
  const id = store.allocateId('relationships')
  store.relationships.push({
    ...Object.fromEntries(relationshipColumns.map((column) => [column, null])),
    ...merged,
    id,
    firstId: Number(merged.firstId),
    secondId: Number(merged.secondId),
  })
  // In memory the model still holds the values as sent; the new id is a string.
  const echoed = {
    ...merged,
    id: String(id),
    firstLabel: merged.firstLabel ?? null,
    secondLabel: merged.secondLabel ?? null,
  }
  const location = `${context.origin}${route.base}/${route.className ?? ''}/${route.id ?? ''}/relationships/.json`
  return json(echoed, 201, { Location: location })
}

/** Both ends must exist; the same pair may not be related twice. */
function relationshipErrors(context: ActionContext, rel: Record<string, unknown>, existing: Row | undefined) {
  const errors: Record<string, string[]> = {}
  for (const side of ['first', 'second'] as const) {
    const type = rel[`${side}Type`]
    const id = Number(rel[`${side}Id`])
    if (typeof type !== 'string' || !context.store.classInfo(type) || !context.store.get(type, id)) {
      errors[`${side}Type`] = [`${side === 'first' ? 'First' : 'Second'} record does not exist.`]
    }
  }
  const same = (row: Row) =>
    row !== existing &&
    row.firstType === rel.firstType &&
    Number(row.firstId) === Number(rel.firstId) &&
    row.secondType === rel.secondType &&
    Number(row.secondId) === Number(rel.secondId)
  if (context.store.relationships.some(same)) errors.firstType = ['Relationship already exists.']
  return errors
}

/** `POST {Class}/hooks` subscribes, `DELETE hooks/:{id}` unsubscribes. Hooks are stored, never called. */
export async function hooksAction(context: ActionContext): Promise<Outcome> {
  const { route, store } = context
  if (context.method === 'DELETE') {
    const hook = store.hooks.find((row) => String(row.id) === route.id)
    if (!hook) throw new ApiReply(404, '"Hook not found." -Smee')
    if (hook.userId !== context.user.row.id) {
      throw new ApiReply(403, "You cannot delete other API users' hooks in X2Engine.")
    }
    removeWhere(store.hooks, (row) => row === hook)
    return empty
  }
  if (route.id !== undefined) throw new ApiReply(405, 'Cannot manipulate preexisting hooks with POST.')
  const body = await context.body()
  const input = Array.isArray(body) ? {} : body
  const errors: Record<string, string[]> = {}
  if (typeof input.target_url !== 'string' || input.target_url === '')
    errors.target_url = ['Target Url cannot be blank.']
  if (typeof input.event !== 'string' || input.event === '') errors.event = ['Event cannot be blank.']
  if (Object.keys(errors).length > 0) throw new ApiReply(422, '', {}, { errors })
  const hook = {
    id: store.allocateId('hooks'),
    userId: context.user.row.id,
    target_url: input.target_url,
    event: input.event,
    modelName: route.className === undefined ? null : requireClass(context, route.className).name,
    directPayload: input.directPayload ? 1 : 0,
  }
  store.hooks.push(hook)
  return json(hook, 201, { Location: `${context.origin}${route.base}/hooks/:${hook.id}` })
}
