import { isEmptyValue } from './blank-text.ts'
import { sourceKeyOf } from '../domain/source-key.ts'
import {
  parseBoolean,
  parseDecimal,
  parseInteger,
  unixToDate,
  unixToIso,
} from '../source/x2crm/normalize/scalars.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import {
  cleanEmail,
  cleanPhone,
  cleanText,
  cleanUrl,
  resolveChoice,
  resolveLink,
  resolveMultiChoice,
  resolveOwner,
  type Transformed,
} from './transforms.ts'
import { actionSubject, activityState, resolveRegarding, secondsToMinutes } from './action-type.ts'
import { priceListValues, unitValues } from './sales-transforms.ts'
import type { EntityMap, LinkRef, TransformContext, TransformName, TransformResult } from './types.ts'

const VALUE_TRANSFORMS: Record<
  Exclude<
    TransformName,
    | 'link'
    | 'owner'
    | 'choice'
    | 'multiChoice'
    | 'regarding'
    | 'activityState'
    | 'actionSubject'
    | 'text'
    | 'priceList'
    | 'unit'
  >,
  (value: unknown) => Transformed<unknown>
> = {
  email: cleanEmail,
  phone: cleanPhone,
  url: cleanUrl,
  integer: parseInteger,
  decimal: parseDecimal,
  boolean: parseBoolean,
  unixToIso,
  unixToDate: (value) => unixToDate(value),
  secondsToMinutes,
}

/**
 * One X2CRM record → the Dataverse row to upsert, the lookups to bind once their parents are loaded, and warnings
 * prefixed with the X2CRM field (`email: "x@@y" is not a valid e-mail address; left empty`).
 *
 * Every mapped column is in `values`, null when empty, so a re-run clears what was emptied in X2CRM. Lookups to
 * migrated records are returned as `links`, never bound here: only the run knows whether the parent loaded.
 * Over-long strings are left as they are; Dataverse rejects them and the row is quarantined with the server's
 * reason (`checkLengths` can warn earlier).
 *
 * `invalid` is kept for records that cannot usefully load at all:
 * - no usable `id` (no deterministic target id, no source key);
 * - an account without a name: Dataverse requires one (ApplicationRequired), and a nameless account can't be found;
 * - a contact with neither a first nor a last name: X2CRM itself requires both, so this is damaged data, and the
 *   row would show as "(No Name)". A contact with only one of the two loads, with a warning when the last name
 *   is missing (Dataverse forms require it).
 */
export function transformRecord(map: EntityMap, record: X2crmRecord, ctx: TransformContext): TransformResult {
  const id = recordId(record.id)
  if (id === undefined) {
    return {
      status: 'invalid',
      sourceKey: sourceKeyOf(
        map.entity,
        typeof record.id === 'string' || typeof record.id === 'number' ? record.id : '?',
      ),
      issues: [
        `id: ${JSON.stringify(record.id) ?? 'missing'} is not an X2CRM record id; the record cannot be keyed`,
      ],
    }
  }
  const sourceKey = sourceKeyOf(map.entity, id)
  const values: Record<string, unknown> = { ...map.defaults }
  if (map.sourceIdColumn !== undefined) values[map.sourceIdColumn] = String(id)
  const links: LinkRef[] = []
  const warnings: string[] = []
  let later: Record<string, unknown> | undefined

  for (const field of map.fields) {
    const raw = record[field.source]
    let warning: string | undefined
    if (field.transform === 'regarding') {
      const link = resolveRegarding(
        record,
        field,
        map.table.logicalName,
        ctx,
        map.repairs?.caseInsensitiveClass ?? true,
      )
      if (link.value !== null) links.push(link.value)
      warning = link.warning
    } else if (field.transform === 'activityState') {
      const state = activityState(map.table.logicalName, record)
      if (state !== null) later = { ...state }
    } else if (field.transform === 'actionSubject') {
      values[field.target] = actionSubject(record)
    } else if (field.transform === 'link') {
      const link = resolveLink(raw, field, ctx, map.repairs?.linkByName ?? true)
      if (link.value !== null) links.push(link.value)
      warning = link.warning
    } else if (field.transform === 'owner') {
      const owner = resolveOwner(
        raw,
        (username) => ctx.ownerFor(username),
        ctx.defaultOwnerId,
        ctx.ownerBindFor?.bind(ctx),
        ctx.teamFor && ((groupId) => ctx.teamFor?.(groupId)),
        ctx.groupsOwnerId,
      )
      if (owner.value !== null) values[`${field.target}@odata.bind`] = owner.value
      warning = owner.warning
    } else if (field.transform === 'priceList' || field.transform === 'unit') {
      const table = map.table.logicalName
      const result =
        field.transform === 'unit'
          ? unitValues(table, record, ctx)
          : priceListValues(table, field.target, raw, ctx)
      Object.assign(values, result.values)
      warning = result.warning
    } else if (field.transform === 'text') {
      const result = cleanText(raw, { trim: field.trim === true })
      values[field.target] = result.value
      warning = result.warning
    } else if (field.transform === 'choice' || field.transform === 'multiChoice') {
      const choices = field.choices ?? {}
      const caseInsensitiveChoice = map.repairs?.caseInsensitiveChoice ?? true
      const result =
        field.transform === 'choice'
          ? resolveChoice(raw, choices, caseInsensitiveChoice)
          : resolveMultiChoice(raw, choices, caseInsensitiveChoice)
      values[field.target] = result.value
      warning = result.warning
    } else {
      const result = VALUE_TRANSFORMS[field.transform](raw)
      values[field.target] = result.value
      warning = result.warning
    }
    if (warning !== undefined) warnings.push(`${field.source}: ${warning}`)
  }

  const issues = missingNames(map, values)
  if (issues.length > 0) return { status: 'invalid', sourceKey, issues }
  warnings.push(...nameWarnings(map, values))
  return {
    status: 'ok',
    sourceKey,
    targetId: ctx.targetIdFor(map.entity, id),
    values,
    links,
    warnings,
    ...(later !== undefined && { later }),
  }
}

function recordId(value: unknown): number | undefined {
  const id = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined
}

/** The X2CRM field a column is filled from, for messages in the user's terms. */
function sourceOf(map: EntityMap, column: string): string {
  return map.fields.find((f) => f.target === column)?.source ?? column
}

const isEmpty = (values: Record<string, unknown>, column: string) =>
  column in values && isEmptyValue(values[column])

function missingNames(map: EntityMap, values: Record<string, unknown>): string[] {
  if (map.table.logicalName === 'account' && isEmpty(values, 'name')) {
    return [
      `${sourceOf(map, 'name')}: the account has no name, and Dynamics 365 requires one. ` +
        'Give it a name in X2CRM, then run again.',
    ]
  }
  if (map.table.logicalName === 'contact' && isEmpty(values, 'firstname') && isEmpty(values, 'lastname')) {
    return [
      `${sourceOf(map, 'firstname')}, ${sourceOf(map, 'lastname')}: the contact has neither a first nor a last name, ` +
        'so nobody could find it in Dynamics 365. Add a name in X2CRM, then run again.',
    ]
  }
  return []
}

function nameWarnings(map: EntityMap, values: Record<string, unknown>): string[] {
  if (map.table.logicalName === 'contact' && isEmpty(values, 'lastname')) {
    return [
      `${sourceOf(map, 'lastname')}: empty; the contact loads, but Dynamics 365 forms require a last name`,
    ]
  }
  return []
}
