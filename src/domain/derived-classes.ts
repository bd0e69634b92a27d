/**
 * Classes x2d365 derives from what X2CRM holds (src/source/x2crm/sales-classes.ts), named like X2CRM's own in maps,
 * source keys and the ledger: a product's price (one per product, under its id) and a quote's lines
 * (`x2_quotes_products`, database only).
 */
export const PRODUCT_PRICES = 'ProductPrices'
export const QUOTE_LINES = 'QuoteLines'

/** Whether `entity` is one x2d365 derives ({@link PRODUCT_PRICES}, {@link QUOTE_LINES}): X2CRM has no tags for it. */
export function isDerivedClass(entity: string): boolean {
  return entity === PRODUCT_PRICES || entity === QUOTE_LINES
}
