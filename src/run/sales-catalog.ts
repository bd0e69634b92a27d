import { targetIdFor } from '../mapping/target-id.ts'
import type { Mapping, SalesCatalog } from '../mapping/types.ts'
import { trimmedText } from '../source/x2crm/normalize/scalars.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'
import type { DataverseTarget, TableRef } from '../target/dataverse/types.ts'

/** Dataverse's out-of-the-box unit group and its base unit: matched by name before anything is created. */
export const UNIT_GROUP_NAME = 'Default Unit'
export const UNIT_NAME = 'Primary Unit'
/** The price list of one currency: `X2CRM USD`. */
export const priceListName = (currency: string) => `X2CRM ${currency}`

const UOM_SCHEDULE: TableRef = {
  logicalName: 'uomschedule',
  entitySet: 'uomschedules',
  primaryId: 'uomscheduleid',
}
const UOM: TableRef = { logicalName: 'uom', entitySet: 'uoms', primaryId: 'uomid' }
const PRICE_LEVEL: TableRef = {
  logicalName: 'pricelevel',
  entitySet: 'pricelevels',
  primaryId: 'pricelevelid',
}

/** What preparing the catalog found, created, and could not do (a currency Dataverse does not have). */
export interface CatalogReport {
  unitGroup: { id: string; created: boolean }
  unit: { id: string; created: boolean }
  priceLists: { currency: string; id: string; created: boolean }[]
  /** Currency codes X2CRM uses that Dataverse has no currency for: their records load without a price list. */
  missingCurrencies: string[]
}

/** Whether the map loads anything priced or measured (`priceList`, `unit`): only then is a catalog prepared. */
export function needsSalesCatalog(mapping: Mapping): boolean {
  return mapping.entities.some((e) =>
    e.fields.some((f) => f.transform === 'priceList' || f.transform === 'unit'),
  )
}

/** The currency codes the records of the map's priced classes use (upper case; empty is X2CRM's default, USD). */
export async function currenciesUsed(
  mapping: Mapping,
  source: Pick<X2crmSource, 'records'>,
): Promise<string[]> {
  const codes = new Set<string>()
  const fields = new Map<string, Set<string>>()
  for (const map of mapping.entities) {
    for (const field of map.fields.filter((f) => f.transform === 'priceList')) {
      const set = fields.get(map.entity) ?? new Set<string>()
      set.add(field.source)
      fields.set(map.entity, set)
    }
  }
  for (const [entity, names] of fields) {
    for await (const record of source.records(entity)) {
      for (const name of names) codes.add((trimmedText(record[name]).value ?? 'USD').toUpperCase())
    }
  }
  return [...codes].sort()
}

/**
 * Before the first phase: the unit group and its default unit (Dataverse's "Default Unit" / "Primary Unit" when the
 * environment has them, else created), and a price list per currency X2CRM uses (`X2CRM USD`, matched by name, else
 * created in that currency). Created rows get deterministic ids, so a second run finds the same. A currency Dataverse
 * does not have is reported, not created: its exchange rate is the customer's decision.
 */
export async function prepareSalesCatalog(
  options: { instance: string; mapping: Mapping; currencies?: readonly string[] },
  deps: { source: Pick<X2crmSource, 'records'>; target: Pick<DataverseTarget, 'query' | 'upsert'> },
): Promise<{ catalog: SalesCatalog; report: CatalogReport }> {
  const idOf = (kind: string, name: string) => targetIdFor(options.instance, `sales-catalog:${kind}`, name)
  const first = async (set: string, filter: string, id: string) => {
    for await (const row of deps.target.query(set, { select: [id], filter, top: 1 })) return String(row[id])
    return undefined
  }
  const quoted = (text: string) => `'${text.replaceAll("'", "''")}'`

  let unitGroupId = await first(
    UOM_SCHEDULE.entitySet,
    `name eq ${quoted(UNIT_GROUP_NAME)}`,
    UOM_SCHEDULE.primaryId,
  )
  const unitGroupCreated = unitGroupId === undefined
  if (unitGroupId === undefined) {
    unitGroupId = idOf('uomschedule', UNIT_GROUP_NAME)
    await deps.target.upsert(UOM_SCHEDULE, {
      targetId: unitGroupId,
      values: { name: UNIT_GROUP_NAME, baseuomname: UNIT_NAME },
    })
  }
  // Dataverse creates a group's base unit with it; an environment (or simulator) that did not gets one here.
  let unitId = await first(UOM.entitySet, `_uomscheduleid_value eq ${unitGroupId}`, UOM.primaryId)
  const unitCreated = unitId === undefined
  if (unitId === undefined) {
    unitId = idOf('uom', UNIT_NAME)
    await deps.target.upsert(UOM, {
      targetId: unitId,
      values: {
        name: UNIT_NAME,
        quantity: 1,
        'uomscheduleid@odata.bind': `/uomschedules(${unitGroupId})`,
      },
    })
  }

  const lists = new Map<string, { priceLevelId: string; currencyId: string }>()
  const report: CatalogReport = {
    unitGroup: { id: unitGroupId, created: unitGroupCreated },
    unit: { id: unitId, created: unitCreated },
    priceLists: [],
    missingCurrencies: [],
  }
  for (const code of options.currencies ?? (await currenciesUsed(options.mapping, deps.source))) {
    const currencyId = await first(
      'transactioncurrencies',
      `isocurrencycode eq ${quoted(code)}`,
      'transactioncurrencyid',
    )
    if (currencyId === undefined) {
      report.missingCurrencies.push(code)
      continue
    }
    const name = priceListName(code)
    let priceLevelId = await first(PRICE_LEVEL.entitySet, `name eq ${quoted(name)}`, PRICE_LEVEL.primaryId)
    const created = priceLevelId === undefined
    if (priceLevelId === undefined) {
      priceLevelId = idOf('pricelevel', code)
      await deps.target.upsert(PRICE_LEVEL, {
        targetId: priceLevelId,
        values: {
          name,
          description: `Prices of the products migrated from X2CRM, in ${code}`,
          'transactioncurrencyid@odata.bind': `/transactioncurrencies(${currencyId})`,
        },
      })
    }
    lists.set(code, { priceLevelId, currencyId })
    report.priceLists.push({ currency: code, id: priceLevelId, created })
  }
  return {
    catalog: { unitGroupId, unitId, priceListFor: (code) => lists.get(code.toUpperCase()) },
    report,
  }
}
