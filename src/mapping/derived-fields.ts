import { PRODUCT_PRICES, QUOTE_LINES } from '../domain/derived-classes.ts'
import type { X2crmField } from '../source/x2crm/types.ts'

const field = (fieldName: string, type: string, linkType: string | null = null): X2crmField => ({
  fieldName,
  attributeLabel: fieldName,
  type,
  linkType,
  custom: false,
  required: false,
  readOnly: true,
})

/**
 * The fields of the classes x2d365 derives (src/source/x2crm/sales-classes.ts): X2CRM's discovery knows nothing of
 * them, so the map is checked against these. A product's price is read from the product (its id, name and id as a
 * link, price, currency); a quote line from `x2_quotes_products` (database only).
 */
export const DERIVED_FIELDS: Readonly<Record<string, readonly X2crmField[]>> = {
  [PRODUCT_PRICES]: [
    field('id', 'int'),
    field('product', 'link', 'Product'),
    field('price', 'currency'),
    field('currency', 'varchar'),
    field('lastUpdated', 'dateTime'),
  ],
  [QUOTE_LINES]: [
    field('id', 'int'),
    field('quote', 'link', 'Quote'),
    field('product', 'link', 'Product'),
    field('name', 'varchar'),
    field('quantity', 'float'),
    field('price', 'currency'),
    field('description', 'text'),
    field('currency', 'varchar'),
    field('lineNumber', 'int'),
  ],
}

/** The class each derived class is read from: it has records when that class has. */
export const DERIVED_FROM: Readonly<Record<string, string>> = {
  [PRODUCT_PRICES]: 'Product',
  [QUOTE_LINES]: 'Quote',
}

/** A class's fields: discovery's, else those of a derived class whose base class X2CRM has. */
export function fieldsOfClass(
  entities: Readonly<Record<string, readonly X2crmField[]>>,
  entity: string,
): readonly X2crmField[] | undefined {
  const discovered = Object.hasOwn(entities, entity) ? entities[entity] : undefined
  if (discovered !== undefined) return discovered
  const base = Object.hasOwn(DERIVED_FROM, entity) ? DERIVED_FROM[entity] : undefined
  return base !== undefined && entities[base] !== undefined ? DERIVED_FIELDS[entity] : undefined
}
