import type { FixStore, SourceFix } from '../ledger/fix-store.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import type { Emit } from './events.ts'

/**
 * The source as the migration should read it: each record with the values a person fixed (`x2d365 fix`) in place of
 * X2CRM's. Everything else passes through, so whatever else `source` offers (the catalog, the database readers)
 * stays usable.
 *
 * The fixes are read again each time a class is read (`records`), so a source built before they were stored sees
 * them; `record` uses those of the last read (a gap fill asks for many records by id, one query would be wasteful).
 * A fix whose `original` is no longer what X2CRM holds is stale (the record changed in X2CRM since): it is still
 * applied, and said once as a `source.notice` so that the person can check it.
 * @example const source = withFixes(createX2crmClient(options), ledger.fixes, emit)
 */
export function withFixes<S extends X2crmSource>(
  source: S,
  fixes: Pick<FixStore, 'current'> | readonly SourceFix[],
  emit: Emit = () => undefined,
): S {
  let byRecord: Promise<Map<string, SourceFix[]>> | undefined
  const told = new Set<string>()
  const reload = () =>
    (byRecord = (async () => {
      const all = 'current' in fixes ? await fixes.current() : fixes
      const map = new Map<string, SourceFix[]>()
      for (const fix of all) {
        const key = `${fix.entity}:${fix.id}`
        map.set(key, [...(map.get(key) ?? []), fix])
      }
      return map
    })())

  function applied(entity: string, record: X2crmRecord, all: Map<string, SourceFix[]>): X2crmRecord {
    const fixes = all.get(`${entity}:${String(record['id'])}`)
    if (fixes === undefined) return record
    const fixed: Record<string, unknown> = { ...record }
    for (const fix of fixes) {
      const now = textOf(record[fix.field])
      if (now !== fix.original && now !== fix.value) {
        const key = `${entity}:${fix.id}:${fix.field}`
        if (!told.has(key)) {
          told.add(key)
          emit({
            type: 'source.notice',
            kind: 'fix.stale',
            entity,
            id: fix.id,
            message:
              `${entity}:${fix.id} ${fix.field} changed in X2CRM since the fix of ${fix.fixedAt.slice(0, 10)} by ` +
              `${fix.fixedBy} (then ${shown(fix.original)}, now ${shown(now)}); the fix ${shown(fix.value)} is ` +
              'still applied. Store a new fix with `x2d365 fix` if it no longer fits.',
          })
        }
      }
      fixed[fix.field] = fix.value
    }
    return fixed
  }

  return {
    ...source,
    async *records(entity, options) {
      const all = await reload()
      for await (const record of source.records(entity, options)) {
        yield all.size === 0 ? record : applied(entity, record, all)
      }
    },
    async record(entity, id) {
      const record = await source.record(entity, id)
      return record === undefined ? undefined : applied(entity, record, await (byRecord ?? reload()))
    },
  }
}

/** A value as a fix keeps it: text, or null for empty. X2CRM sends `42` or `"42"` for the same value. */
export function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

function shown(value: string | null): string {
  if (value === null) return 'empty'
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
}
