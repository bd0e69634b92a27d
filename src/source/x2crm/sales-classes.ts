import { PRODUCT_PRICES, QUOTE_LINES } from '../../domain/derived-classes.ts'
import type { ReadOptions, X2crmRecord, X2crmSource } from './types.ts'

/** Reads X2CRM's quote lines (`x2_quotes_products`): the database reader has them, API v2 does not (api.md §1.3). */
export interface QuoteLineReader {
  quoteLines(): AsyncIterable<{
    id: number
    quoteId: number
    productId: number | null
    name: string | null
    quantity: string | number | null
    price: string | number | null
    description?: string | null
    currency?: string | null
    lineNumber?: number | null
  }>
}

export { PRODUCT_PRICES, QUOTE_LINES }

/**
 * The source with two classes derived from what X2CRM holds, so that they load, resume, reconcile, verify and roll
 * back as any class does: `ProductPrices` (one record per product, under the product's id: its price and currency,
 * and the product as a link) and, when the reader has them, `QuoteLines` (one record per `x2_quotes_products` row,
 * with its quote and its catalog product as links; a line without a product is a write-in). Links are X2CRM nameIds
 * (`Name_ID`), as the link transform reads them.
 */
export function withSalesClasses(source: X2crmSource, lines?: QuoteLineReader): X2crmSource {
  let cached: Promise<X2crmRecord[]> | undefined
  const quoteLines = () => (cached ??= readLines(lines))
  const afterOf = (filters?: Readonly<Record<string, string>>) => {
    const match = /^>(-?\d+)$/.exec(filters?.['id'] ?? '')
    return match === null ? Number.MIN_SAFE_INTEGER : Number(match[1])
  }
  return {
    ...source,
    records(entity: string, options?: ReadOptions) {
      if (entity === PRODUCT_PRICES) return priceRecords(source.records('Product', options))
      if (entity === QUOTE_LINES) {
        const after = options?.afterId ?? Number.MIN_SAFE_INTEGER
        return (async function* () {
          for (const line of await quoteLines()) if (Number(line['id']) > after) yield line
        })()
      }
      return source.records(entity, options)
    },
    async record(entity: string, id: number) {
      if (entity === PRODUCT_PRICES) {
        const product = await source.record('Product', id)
        return product === undefined ? undefined : priceOf(product)
      }
      if (entity === QUOTE_LINES) return (await quoteLines()).find((line) => line['id'] === id)
      return source.record(entity, id)
    },
    async count(entity: string, filters?: Readonly<Record<string, string>>) {
      if (entity === PRODUCT_PRICES) return source.count('Product', filters)
      if (entity === QUOTE_LINES) {
        const after = afterOf(filters)
        return (await quoteLines()).filter((line) => Number(line['id']) > after).length
      }
      return source.count(entity, filters)
    },
    fields: (entity) => source.fields(entity),
    users: () => source.users(),
  }
}

function priceOf(product: X2crmRecord): X2crmRecord {
  const name = typeof product['name'] === 'string' ? product['name'] : ''
  return {
    id: product['id'],
    product: `${name}_${String(product['id'])}`,
    price: product['price'],
    currency: product['currency'],
    lastUpdated: product['lastUpdated'],
  }
}

async function* priceRecords(products: AsyncIterable<X2crmRecord>): AsyncGenerator<X2crmRecord> {
  for await (const product of products) yield priceOf(product)
}

async function readLines(reader: QuoteLineReader | undefined): Promise<X2crmRecord[]> {
  if (reader === undefined) return []
  const rows: X2crmRecord[] = []
  for await (const line of reader.quoteLines()) {
    const product = line.productId === null || line.productId === 0 ? null : line.productId
    rows.push({
      id: line.id,
      quote: `Quote_${line.quoteId}`,
      product: product === null ? null : `${line.name ?? 'Product'}_${product}`,
      name: line.name,
      quantity: line.quantity,
      price: line.price,
      description: line.description ?? null,
      currency: line.currency ?? null,
      lineNumber: line.lineNumber ?? null,
    })
  }
  return rows.sort((a, b) => Number(a['id']) - Number(b['id']))
}
