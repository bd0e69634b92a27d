import { DataverseFault } from '../errors.ts'
import type { Store } from '../store.ts'
import type { Table } from '../tables.ts'
import type { Changes } from './payload.ts'

/**
 * What the sales plug-ins refuse on create that the column metadata does not say: a quote line (quotedetail) for an
 * existing product needs its unit (uomid), and its quote a price list; a write-in line (no productid) needs neither.
 * https://learn.microsoft.com/dynamics365/sales/add-products-quotes-orders-invoices (existing product: unit required)
 * https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/quotedetail
 * Codes and texts are [U].
 */
export function checkSalesRow(table: Table, changes: Changes, store: Store): void {
  if (table.logicalName !== 'quotedetail' || changes.lookups.productid == null) return
  if (changes.lookups.uomid == null) {
    throw new DataverseFault(
      400,
      '0x80040203',
      'The unit (uomid) is required for a quote product of an existing product; set uomid or write the product in.',
    )
  }
  const quoteRef = changes.lookups.quoteid
  const quote = quoteRef ? store.get('quote', quoteRef.id) : undefined
  if (quote !== undefined && quote.lookups.pricelevelid === undefined) {
    throw new DataverseFault(
      400,
      '0x80040203',
      `The quote ${quote.id} has no price list (pricelevelid): a product from the catalog cannot be added to it.`,
    )
  }
}
