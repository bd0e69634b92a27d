import type { TransformContext } from '../mapping/types.ts'
import type { Mapping } from '../mapping/types.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'
import type { DataverseTarget } from '../target/dataverse/types.ts'
import type { Emit } from './events.ts'
import { currenciesUsed, needsSalesCatalog, prepareSalesCatalog } from './sales-catalog.ts'

/**
 * The transform context with the run's sales catalog (unit group, unit, a price list per currency), prepared before
 * the first phase when the map loads products, price list items, quotes or quote lines and X2CRM has some; unchanged
 * otherwise.
 */
export async function withSalesCatalog(
  context: TransformContext,
  options: { instance: string; mapping: Mapping },
  deps: {
    source: Pick<X2crmSource, 'records'>
    target: Pick<DataverseTarget, 'query' | 'upsert'>
    emit: Emit
  },
): Promise<TransformContext> {
  if (!needsSalesCatalog(options.mapping)) return context
  // No product and no quote: nothing to price, and nothing is created.
  const currencies = await currenciesUsed(options.mapping, deps.source)
  if (currencies.length === 0) return context
  const { catalog, report } = await prepareSalesCatalog({ ...options, currencies }, deps)
  deps.emit({ type: 'sales.catalog', ...report })
  return { ...context, salesCatalog: catalog }
}
