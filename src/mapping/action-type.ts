import { sourceKeyOf } from '../domain/source-key.ts'
import { ASSOCIATION_MODELS } from '../source/x2crm/normalize/link.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import { matchesFilter } from './split-rule.ts'
import type { Transformed } from './transforms.ts'
import { parseInteger } from '../source/x2crm/normalize/scalars.ts'
import type { FieldMap, LinkRef, RecordFilter, TransformContext } from './types.ts'

/**
 * X2CRM Actions by `type`, the Dataverse table each kind loads into (api.md §1.9). `''` (or null) is a plain to-do;
 * `time` is logged time, kept as a task with its duration. A type not listed here has no table: the map quarantines
 * it ("unknown action type"), it never becomes a task silently.
 */
export const ACTION_TABLES: Readonly<Record<string, string>> = {
  '': 'task',
  time: 'task',
  call: 'phonecall',
  event: 'appointment',
  email: 'email',
  email_quote: 'email',
  email_invoice: 'email',
  emailFrom: 'email',
  note: 'annotation',
}

/** The action types that are e-mails X2CRM received (the others it sent). */
export const RECEIVED_EMAIL_TYPES: readonly string[] = ['emailFrom']

/** The action types that load into `table`, in the order of {@link ACTION_TABLES}. */
export function actionTypesOf(table: string): string[] {
  return Object.entries(ACTION_TABLES)
    .filter(([, t]) => t === table)
    .map(([type]) => type)
}

/** An action's `type` as the routing compares it: trimmed text, `''` for null. */
export function actionTypeOf(record: X2crmRecord): string {
  const type = record['type']
  return typeof type === 'string' ? type.trim() : typeof type === 'number' ? String(type) : ''
}

/**
 * Why a record of a class split by a field's value (Actions by `type`) goes to none of the class's tables, or
 * undefined when one of `filters` takes it. A split with a catch-all side (`negate`) takes every record.
 */
export function unroutedReason(
  entity: string,
  filters: readonly RecordFilter[],
  record: X2crmRecord,
): string | undefined {
  if (filters.some((filter) => filter.negate === true || matchesFilter(filter, record))) return undefined
  const fields = [
    ...new Set(filters.flatMap((f) => f.conditions.flatMap((c) => (c.type === 'field' ? [c.field] : [])))),
  ]
  const field = fields.length === 1 ? (fields[0] ?? 'type') : 'type'
  const raw = record[field]
  const value = typeof raw === 'string' ? raw : raw === null || raw === undefined ? '' : JSON.stringify(raw)
  if (entity === 'Actions' && field === 'type') {
    return `unknown action type '${value}': the map loads no table for it (add the type to an Actions rule of the map)`
  }
  return `${field} '${value}' is taken by no rule of the map for ${entity}`
}

/**
 * The class an association names: X2CRM's module names and class names alike (`contacts`, `Contacts`,
 * `opportunities`, `Opportunity`, `x2leads`), compared ignoring case. `null` for no association (`''`, `none`, id 0),
 * `undefined` for a name that is neither.
 */
export function associationClass(associationType: unknown): string | null | undefined {
  const match = matchAssociationClass(associationType)
  return match === null || match === undefined ? match : match.cls
}

/** Module names X2CRM itself writes in mixed case (its `modules.name`), besides the lower-case association keys. */
const MODULE_SPELLINGS: Readonly<Record<string, string>> = { x2Leads: 'X2Leads', bugReports: 'BugReports' }

/**
 * The class an association names, and whether X2CRM's own spelling matched (`exact`: a module name as X2CRM stores
 * it, `contacts`, or a class name, `Contacts`) or only ignoring letter case (`Opportunities`, `CONTACTS`): the
 * `caseInsensitiveClass` repair. `null` for no association, `undefined` for a name that is neither.
 */
export function matchAssociationClass(
  associationType: unknown,
): { cls: string; exact: boolean } | null | undefined {
  if (associationType === null || associationType === undefined) return null
  const written = scalarText(associationType).trim()
  const key = written.toLowerCase()
  if (key === '' || key === 'none') return null
  const classes = Object.values(ASSOCIATION_MODELS)
  const exact = Object.hasOwn(ASSOCIATION_MODELS, written) ? ASSOCIATION_MODELS[written] : undefined
  if (exact !== undefined) return { cls: exact, exact: true }
  const moduleSpelling = MODULE_SPELLINGS[written]
  if (moduleSpelling !== undefined) return { cls: moduleSpelling, exact: true }
  if (classes.includes(written)) return { cls: written, exact: true }
  const model = Object.hasOwn(ASSOCIATION_MODELS, key) ? ASSOCIATION_MODELS[key] : undefined
  const cls = model ?? classes.find((name) => name.toLowerCase() === key)
  return cls === undefined ? undefined : { cls, exact: false }
}

/**
 * The navigation property that binds a polymorphic lookup to a row of `parentTable`: an activity's regarding is
 * `regardingobjectid_contact_phonecall`, a note's record `objectid_contact`.
 */
export function regardingNav(target: string, parentTable: string, ownTable: string): string {
  return target === 'regardingobjectid' ? `${target}_${parentTable}_${ownTable}` : `${target}_${parentTable}`
}

/**
 * An action's (or a media file's) `associationType` + `associationId` → a link to the record it is about, among the
 * classes `field.regardingTo` lists. No association (`none`, empty, id 0) is no link and no warning: the record loads
 * as it is. A class the map does not load is no link, with a warning. Pure.
 */
export function resolveRegarding(
  record: X2crmRecord,
  field: FieldMap,
  ownTable: string,
  ctx: TransformContext,
  caseInsensitiveClass = true,
): Transformed<LinkRef> {
  const typeField = field.typeField ?? 'associationType'
  const match = matchAssociationClass(record[typeField])
  const id = Number(record[field.source])
  if (match === null || !Number.isSafeInteger(id) || id <= 0) return { value: null }
  const label = JSON.stringify(record[typeField])
  if (match === undefined) {
    return {
      value: null,
      warning: `${typeField} ${label} names no X2CRM module; loaded without a regarding record`,
    }
  }
  const { cls } = match
  if (!match.exact && !caseInsensitiveClass) {
    return {
      value: null,
      warning: `${typeField} ${label} names ${cls} only ignoring letter case, and caseInsensitiveClass is off; loaded without a regarding record`,
    }
  }
  const repaired = match.exact
    ? undefined
    : `repair caseInsensitiveClass: ${typeField} ${label} read as ${cls} (differs in letter case)`
  const candidates = (field.regardingTo ?? []).filter((r) => r.entity === cls)
  const first = candidates[0]
  if (first === undefined) {
    return {
      value: null,
      warning: `${repaired === undefined ? '' : `${repaired}; `}${cls} ${id}: the map does not migrate ${cls}; loaded without a regarding record`,
    }
  }
  const navBySet = Object.fromEntries(
    candidates.map((c) => [c.table.entitySet, regardingNav(field.target, c.table.logicalName, ownTable)]),
  )
  return {
    ...(repaired !== undefined && { warning: repaired }),
    value: {
      field: field.source,
      nav: regardingNav(field.target, first.table.logicalName, ownTable),
      entitySet: first.table.entitySet,
      navBySet,
      parentKey: sourceKeyOf(cls, id),
      parentTargetId: ctx.targetIdFor(cls, id),
      pass: field.pass ?? 1,
    },
  }
}

/** Dataverse's state and status for a closed activity. */
export interface ActivityState {
  statecode: number
  statuscode: number
}

/** Completed / Canceled status reasons per activity table (their default reason for that state). */
const CLOSED_STATUS: Readonly<Record<string, { completed: number; canceled: number }>> = {
  task: { completed: 5, canceled: 6 },
  phonecall: { completed: 2, canceled: 3 },
  appointment: { completed: 3, canceled: 4 },
  email: { completed: 3, canceled: 5 },
}

const CANCELLED = new Set(['cancelled', 'canceled'])

/**
 * The state an action is closed into after it loads (activities are created open): complete → Completed,
 * cancelled (`eventStatus` Cancelled) → Canceled, anything else stays open (null). A received e-mail completes as
 * Received, a sent one as Sent. Tables without states (annotation) are never closed. Pure.
 */
export function activityState(table: string, record: X2crmRecord): ActivityState | null {
  const status = CLOSED_STATUS[table]
  if (status === undefined) return null
  const eventStatus =
    typeof record['eventStatus'] === 'string' ? record['eventStatus'].trim().toLowerCase() : ''
  if (CANCELLED.has(eventStatus)) return { statecode: 2, statuscode: status.canceled }
  const complete = record['complete']
  const done =
    complete === true ||
    complete === 1 ||
    (typeof complete === 'string' && ['yes', '1', 'true'].includes(complete.trim().toLowerCase()))
  if (!done) return null
  if (table === 'email' && RECEIVED_EMAIL_TYPES.includes(actionTypeOf(record))) {
    return { statecode: 1, statuscode: 4 }
  }
  return { statecode: 1, statuscode: status.completed }
}

/**
 * An activity's subject, which Dataverse requires: X2CRM's `subject`, else the first line of the description
 * (`Subject: Proposal #2` → `Proposal #2`), else `<Type> <id>`. At most 200 characters. Pure.
 */
export function actionSubject(record: X2crmRecord): string {
  const own = typeof record['subject'] === 'string' ? record['subject'].trim() : ''
  if (own !== '') return own.slice(0, 200)
  const description = typeof record['actionDescription'] === 'string' ? record['actionDescription'] : ''
  const line = description
    .split(/\r?\n/)
    .map((l) => l.replace(/<[^>]*>/g, '').trim())
    .find((l) => l !== '')
  if (line !== undefined) return line.replace(/^subject:\s*/i, '').slice(0, 200)
  const type = actionTypeOf(record)
  const kind = type === '' ? 'Action' : type.charAt(0).toUpperCase() + type.slice(1)
  return `${kind} ${scalarText(record['id'])}`
}

/** A string or number as text; anything else as empty. */
function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : ''
}

/** Whole seconds (X2CRM's `timeSpent`) → whole minutes (`actualdurationminutes`), rounded; 0 or empty → null. */
export function secondsToMinutes(value: unknown): Transformed<number> {
  const parsed = parseInteger(value)
  if (parsed.value === null || parsed.value <= 0)
    return { value: null, ...(parsed.warning !== undefined && { warning: parsed.warning }) }
  return { value: Math.round(parsed.value / 60) }
}
