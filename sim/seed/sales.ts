import type { X2crmDataset } from '../x2crm/dataset.ts'
import type { X2crmRecord } from '../../src/source/x2crm/types.ts'
import { createRandom } from './random.ts'
import * as words from './words.ts'

/** 2025-01-01 .. 2026-11-01, as the rest of the generated data. */
const FIRST_DATE = 1735689600
const LAST_DATE = 1793491200

/** X2CRM groups the generator's accounts are assigned to (`accountOwner` gives ids 1..5). */
export const GROUP_NAMES = ['Sales EMEA', 'Sales NA', 'Support', 'Key Accounts', 'Partners'] as const

/** A quote line as `x2_quotes_products` holds it (the database only: API v2 has no quote lines). */
export interface GeneratedQuoteLine {
  id: number
  quoteId: number
  productId: number | null
  name: string
  quantity: string
  price: string
  lineNumber: number
}

/**
 * Products, quotes and groups for a generated dataset, from their own random stream (the accounts and contacts stay
 * as they were): one product per 100 accounts (at least 5; a tenth inactive, a tenth in EUR), one quote per 20
 * accounts (ids from 1000, each for an account, created by a user, some assigned to a group; Draft, Presented,
 * Issued, Won or Lost), 1–4 lines per quote (catalog products, now and then a write-in), and the five groups the
 * accounts' group assignments name. Returns the quote lines, which only a database reader could serve.
 */
export function addSales(
  dataset: X2crmDataset,
  options: { seed: number; accounts: number },
): { quoteLines: GeneratedQuoteLine[] } {
  const random = createRandom(options.seed ^ 0x5a1e5)
  const owners = dataset.users
    .filter((u) => u['status'] === 1 && u['username'] !== 'admin' && u['username'] !== 'api')
    .map((u) => String(u['username']))
  const accounts = dataset.records['Accounts'] ?? []

  dataset.records['Groups'] = GROUP_NAMES.map((name, i) => ({ id: i + 1, name, nameId: `${name}_${i + 1}` }))

  const products: X2crmRecord[] = []
  for (let id = 1; id <= Math.max(5, Math.floor(options.accounts / 100)); id++) {
    const name = `${random.pick(words.companyStems)} ${random.pick(['Suite', 'Module', 'License', 'Kit'])} ${id}`
    const created = random.int(FIRST_DATE, LAST_DATE)
    products.push({
      id,
      name,
      nameId: `${name}_${id}`,
      type: random.pick(['Hardware', 'Software', 'Service']),
      price: `${random.int(5, 9999)}.${String(random.int(0, 99)).padStart(2, '0')}`,
      currency: random.chance(0.1) ? 'EUR' : 'USD',
      status: id % 10 === 0 ? 'Inactive' : 'Active',
      inventory: random.int(0, 500),
      description: `${name} (generated)`,
      createDate: created,
      lastUpdated: created,
      lastActivity: created,
      updatedBy: 'admin',
      adjustment: null,
    })
  }
  dataset.records['Product'] = products

  const quotes: X2crmRecord[] = []
  const quoteLines: GeneratedQuoteLine[] = []
  const quoteCount = accounts.length === 0 ? 0 : Math.max(5, Math.floor(options.accounts / 20))
  for (let n = 0; n < quoteCount; n++) {
    const id = 1000 + n
    const account = random.pick(accounts)
    const created = random.int(FIRST_DATE, LAST_DATE)
    const author = owners.length > 0 ? random.pick(owners) : 'admin'
    const lineCount = random.int(1, 4)
    let total = 0
    for (let line = 1; line <= lineCount; line++) {
      const product = random.chance(0.85) ? random.pick(products) : undefined
      const price = product !== undefined ? String(product['price']) : `${random.int(100, 5000)}.00`
      const quantity = random.int(1, 10)
      total += Number(price) * quantity
      quoteLines.push({
        id: quoteLines.length + 1,
        quoteId: id,
        productId: product !== undefined ? Number(product['id']) : null,
        name:
          product !== undefined
            ? String(product['name'])
            : random.pick(['Installation', 'Training day', 'Support']),
        quantity: `${quantity}.00`,
        price,
        lineNumber: line,
      })
    }
    quotes.push({
      id,
      name: `Quote ${id} for ${String(account['name'])}`,
      nameId: `Quote ${id}_${id}`,
      accountName: account['nameId'],
      status: random.pick(['Draft', 'Presented', 'Issued', 'Won', 'Lost']),
      expirationDate: created + 30 * 86400,
      assignedTo: random.chance(0.15) ? String(random.int(1, GROUP_NAMES.length)) : author,
      total: total.toFixed(2),
      subtotal: total.toFixed(2),
      currency: 'USD',
      locked: 0,
      type: 'quote',
      description: null,
      createDate: created,
      lastUpdated: created,
      lastActivity: created,
      createdBy: author,
      updatedBy: author,
    })
  }
  dataset.records['Quote'] = quotes
  return { quoteLines }
}
