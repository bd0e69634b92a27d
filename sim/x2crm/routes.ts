/**
 * The `api2/...` URL rules of X2CRM 7.1 (`protected/config/main.php`), resolved to a controller action and the
 * GET parameters the rule injects. A path that no rule matches is a 404 "Invalid URI".
 */

export type ApiAction =
  | 'appInfo'
  | 'count'
  | 'dropdowns'
  | 'fieldPermissions'
  | 'fields'
  | 'hooks'
  | 'model'
  | 'models'
  | 'relationships'
  | 'tags'
  | 'teapot'
  | 'users'

export interface Route {
  action: ApiAction
  /** `_class`: an X2Model class name such as `Contacts` (`Actions` for `{Class}/{id}/Actions`). */
  className?: string
  /** `_id`: digits only */
  id?: string
  /** `_findBy`: `lastName=Link;firstName=Orphan` */
  findBy?: string
  fieldName?: string
  tagName?: string
  relatedId?: string
  /** Other GET parameters the rule adds (`associationType`/`associationId` for actions, `_tags`). */
  injected: Record<string, string>
  /** `/index.php/api2` or `/api2`: the prefix the request used, for the URLs the server builds. */
  base: string
}

/** `Api2Controller::methods()`: actions not listed accept every method. */
export const allowedMethods: Readonly<Partial<Record<ApiAction, readonly string[]>>> = {
  appInfo: ['GET'],
  count: ['GET'],
  dropdowns: ['GET'],
  fieldPermissions: ['GET'],
  fields: ['GET'],
  hooks: ['POST', 'DELETE'],
  model: ['DELETE', 'GET', 'PATCH', 'POST', 'PUT'],
  models: ['GET'],
  relationships: ['DELETE', 'GET', 'PATCH', 'POST', 'PUT'],
  tags: ['GET', 'POST', 'DELETE'],
  users: ['GET'],
}

const CLASS = /^[A-Z]\w+$/
const DIGITS = /^\d+$/

export function resolveRoute(pathname: string): Route | undefined {
  const prefix = /^(\/index\.php)?\/api2(?=\/|$)/.exec(pathname)
  if (!prefix) return undefined
  const base = prefix[0]
  const segments = pathname
    .slice(base.length)
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeSegment)
  if (segments.some((segment) => segment === undefined)) return undefined
  const route = match(segments as string[])
  return route ? { injected: {}, ...route, base } : undefined
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

type Matched = Omit<Route, 'base' | 'injected'> & { injected?: Record<string, string> }

function match(segments: readonly string[]): Matched | undefined {
  const [first, second, third, fourth] = segments
  if (first === undefined || segments.length > 4) return undefined
  if (segments.length === 1) return matchTopLevel(first)
  if (first === 'dropdowns' && segments.length === 2) return withId('dropdowns', second)
  if (first === 'users' && segments.length === 2) return withId('users', second)
  if (first === 'hooks' && segments.length === 2) {
    return second?.startsWith(':') && DIGITS.test(second.slice(1))
      ? { action: 'hooks', id: second.slice(1) }
      : undefined
  }
  if (first === 'tags' && segments.length === 3 && third !== undefined && CLASS.test(third)) {
    return { action: 'model', className: third, injected: { _tags: second ?? '' } }
  }
  if (!CLASS.test(first) || second === undefined) return undefined
  return matchClass(first, second, third, fourth)
}

function matchTopLevel(name: string): Matched | undefined {
  const bare = name.replace(/\.json$/, '')
  switch (bare) {
    case 'appInfo':
    case 'models':
    case 'dropdowns':
    case 'users':
    case 'tags':
    case 'relationships':
      return { action: bare }
    case 'teapot':
    case 'hooks':
      return name === bare ? { action: bare } : undefined
  }
  return CLASS.test(name) ? { action: 'model', className: name } : undefined
}

function withId(action: ApiAction, segment: string | undefined): Matched | undefined {
  const id = jsonName(segment)
  return id !== undefined && DIGITS.test(id) ? { action, id } : undefined
}

/** `name.json` -> `name`; anything else -> undefined. */
function jsonName(segment: string | undefined): string | undefined {
  return segment?.endsWith('.json') && segment.length > 5 ? segment.slice(0, -5) : undefined
}

function matchClass(className: string, second: string, third?: string, fourth?: string): Matched | undefined {
  if (third === undefined) {
    if (second === 'count' || second === 'count.json') return { action: 'count', className }
    if (second === 'fields' || second === 'fields.json') return { action: 'fields', className }
    if (second === 'fieldPermissions' || second === 'fieldPermissions.json') {
      return { action: 'fieldPermissions', className }
    }
    if (second === 'hooks') return { action: 'hooks', className }
    const name = jsonName(second)
    if (name === undefined) return undefined
    if (name.startsWith('by:')) return { action: 'model', className, findBy: name.slice(3) }
    return DIGITS.test(name) ? { action: 'model', className, id: name } : undefined
  }
  if (second === 'count' && fourth === undefined) {
    const name = jsonName(third)
    return name?.startsWith('by:') ? { action: 'count', className, findBy: name.slice(3) } : undefined
  }
  if (second === 'fields' && fourth === undefined) {
    const fieldName = jsonName(third)
    return fieldName === undefined ? undefined : { action: 'fields', className, fieldName }
  }
  if (!DIGITS.test(second)) return undefined
  const leaf = fourth === undefined ? undefined : jsonName(fourth)
  if (fourth !== undefined && leaf === undefined) return undefined
  switch (third) {
    case 'relationships':
      if (leaf !== undefined && !DIGITS.test(leaf)) return undefined
      return { action: 'relationships', className, id: second, relatedId: leaf }
    case 'tags':
      return { action: 'tags', className, id: second, tagName: leaf }
    case 'Actions':
      if (leaf !== undefined && !DIGITS.test(leaf)) return undefined
      return {
        action: 'model',
        className: 'Actions',
        id: leaf,
        injected: { associationType: className, associationId: second },
      }
  }
  return undefined
}
