import { envelopeOf, json, type ActionContext, type Outcome } from './context.ts'
import { moduleModelTitles } from './defaults.ts'
import { requireClass } from './model-actions.ts'
import { attributesOfRows, provide } from './provider.ts'
import type { Row } from './query.ts'
import { ApiReply } from './responses.ts'

/** Metadata actions: fields, fieldPermissions, models, dropdowns, users, appInfo, teapot. */

/** `actionFields`: no class check, so an unknown class answers `[]`. */
export function fieldsAction(context: ActionContext): Outcome {
  const className = context.route.className ?? ''
  const rows = context.store.classInfo(className)?.fields ?? []
  const { fieldName } = context.route
  if (fieldName === undefined || fieldName === '') return json(rows)
  const field = rows.find(
    (row) => typeof row.fieldName === 'string' && row.fieldName.toLowerCase() === fieldName.toLowerCase(),
  )
  if (!field) throw new ApiReply(404, `Model ${className} does not have a field named "${fieldName}"`)
  return json(field)
}

/** `{fieldName: 0|1|2}`: administrators and users without roles are exempt, so 2 (1 for read-only fields). */
export function fieldPermissionsAction(context: ActionContext): Outcome {
  const info = requireClass(context, context.route.className)
  const permissions: Record<string, number> = {}
  for (const field of info.fields) {
    if (typeof field.fieldName !== 'string') continue
    permissions[field.fieldName] = field.readOnly === 1 || field.readOnly === '1' ? 1 : 2
  }
  return json(permissions)
}

/** The partially supported classes `?partialSupport=0` leaves out. */
const partialSupport = new Set(['Actions', 'Docs', 'Groups', 'Media', 'Quote', 'X2List'])

export function modelsAction(context: ActionContext): Outcome {
  const raw = context.params.partialSupport
  const includePartial = typeof raw !== 'string' || Number.parseInt(raw, 10) !== 0
  const models = [...moduleModelTitles()]
    .filter(([name]) => context.store.classInfo(name) && (includePartial || !partialSupport.has(name)))
    .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([modelName, title]) => ({
      modelName,
      title,
      attributes: [...(context.store.classInfo(modelName)?.attributes ?? [])],
    }))
  return json(models)
}

export function dropdownsAction(context: ActionContext): Outcome {
  const rows = context.store.dropdowns
  if (context.route.id !== undefined) {
    const dropdown = rows.find((row) => String(row.id) === context.route.id)
    if (!dropdown) throw new ApiReply(404, '')
    return json(dropdown)
  }
  return json(listOf(context, rows, 'Dropdowns', ['id', 'name', 'options', 'multi', 'parent', 'parentVal']))
}

/** Administrators see the full profile; others see only a few attributes of other users. */
export function usersAction(context: ActionContext): Outcome {
  const rows = context.store.users
  if (context.route.id !== undefined) {
    const user = rows.find((row) => String(row.id) === context.route.id)
    if (!user) throw new ApiReply(404, `User with specified ID ${context.route.id} not found.`)
    return json(userView(context, user))
  }
  return json(listOf(context, rows, 'User', ['id', 'username']).map((row) => userView(context, row)))
}

const publicUserAttributes = [
  'id',
  'firstName',
  'lastName',
  'emailAddress',
  'username',
  'userAlias',
  'fullName',
]

function userView(context: ActionContext, user: Row): Row {
  if (context.user.access === 'admin' || user.username === context.user.username) return user
  return Object.fromEntries(Object.entries(user).filter(([key]) => publicUserAttributes.includes(key)))
}

export function listOf(
  context: ActionContext,
  rows: readonly Row[],
  className: string,
  columns: string[],
): Row[] {
  return provide(
    context.params,
    { rows, className, attributes: attributesOfRows(rows, columns) },
    { now: context.now, maxPageSize: context.maxPageSize },
  ).page
}

export function appInfoAction(context: ActionContext, hostname: string): Outcome {
  return envelopeOf(200, '', {
    message: 'Welcome to the X2Engine REST API!',
    name: 'X2CRM',
    version: '7.1',
    edition: 'Open Source Edition',
    buildDate: 1548456424,
    clientAddress: '127.0.0.1',
    serverName: hostname,
    baseUrl: '',
  })
}

export function teapotAction(): Outcome {
  throw new ApiReply(418, "I'm a teapot.")
}
