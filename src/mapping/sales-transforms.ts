import { parseLinkValue } from '../source/x2crm/normalize/link.ts'
import { trimmedText } from '../source/x2crm/normalize/scalars.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import type { TransformContext } from './types.ts'

/** Column values (`…@odata.bind` included) a sales transform sets, and what it says about them. */
export interface SalesValues {
  values: Record<string, unknown>
  warning?: string
}

/** Tables whose price list carries its currency: the row's currency must be the price list's. */
const CURRENCY_FOLLOWS_LIST: ReadonlySet<string> = new Set(['quote', 'productpricelevel'])

/**
 * `priceList`: X2CRM's currency code → the run's price list of that currency. A quote (and a price list item) takes
 * the price list's currency too: Dataverse prices a quote's products from its price list, in the quote's currency.
 * An empty code is the first price list's currency (X2CRM's default); a code Dataverse has no currency for leaves
 * both empty with a warning.
 */
export function priceListValues(
  table: string,
  column: string,
  raw: unknown,
  ctx: Pick<TransformContext, 'salesCatalog'>,
  defaultCurrency = 'USD',
): SalesValues {
  const catalog = ctx.salesCatalog
  if (catalog === undefined) return { values: {} }
  const code = (trimmedText(raw).value ?? defaultCurrency).toUpperCase()
  const list = catalog.priceListFor(code)
  if (list === undefined) {
    return {
      values: {},
      warning: `currency ${code} has no Dataverse currency (Settings → Currencies), so no price list; loaded without one`,
    }
  }
  const values: Record<string, unknown> = { [`${column}@odata.bind`]: `/pricelevels(${list.priceLevelId})` }
  if (CURRENCY_FOLLOWS_LIST.has(table))
    values['transactioncurrencyid@odata.bind'] = `/transactioncurrencies(${list.currencyId})`
  return { values }
}

/**
 * `unit`: the run's unit group and default unit where the table needs them. A product needs both (Dataverse requires a
 * unit group and a default unit), a price list item its unit, a quote line of a catalog product its unit; a quote
 * line whose product is not in X2CRM's catalog (`productId` empty or 0) is a write-in product named after the line.
 */
export function unitValues(
  table: string,
  record: X2crmRecord,
  ctx: Pick<TransformContext, 'salesCatalog'>,
): SalesValues {
  const catalog = ctx.salesCatalog
  if (table === 'quotedetail') {
    const product = parseLinkValue(record['product'], 'Product')
    if (product === null || product.id === null || product.id === 0) {
      const name = trimmedText(record['name']).value
      return { values: { isproductoverridden: true, productdescription: name ?? 'Write-in product' } }
    }
    if (catalog === undefined) return { values: { isproductoverridden: false } }
    return { values: { isproductoverridden: false, 'uomid@odata.bind': `/uoms(${catalog.unitId})` } }
  }
  if (catalog === undefined) return { values: {} }
  const unit = `/uoms(${catalog.unitId})`
  const group = `/uomschedules(${catalog.unitGroupId})`
  if (table === 'product')
    return { values: { 'defaultuomid@odata.bind': unit, 'defaultuomscheduleid@odata.bind': group } }
  if (table === 'productpricelevel')
    return { values: { 'uomid@odata.bind': unit, 'uomscheduleid@odata.bind': group } }
  return { values: {} }
}
