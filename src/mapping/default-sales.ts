import type { TableRef } from '../target/dataverse/types.ts'
import { ACCOUNT } from './default-map.ts'
import { DEFAULT_VALUES } from './default-objects.ts'
import type { EntityMap, ProductStateRule, QuoteStateRule } from './types.ts'

export const PRODUCT: TableRef = { logicalName: 'product', entitySet: 'products', primaryId: 'productid' }
export const PRICE_LIST_ITEM: TableRef = {
  logicalName: 'productpricelevel',
  entitySet: 'productpricelevels',
  primaryId: 'productpricelevelid',
}
export const QUOTE: TableRef = { logicalName: 'quote', entitySet: 'quotes', primaryId: 'quoteid' }
export const QUOTE_LINE: TableRef = {
  logicalName: 'quotedetail',
  entitySet: 'quotedetails',
  primaryId: 'quotedetailid',
}

/** The classes src/source/x2crm/sales-classes.ts derives: a product's price, a quote's lines (x2_quotes_products). */
export { PRODUCT_PRICES, QUOTE_LINES } from '../domain/derived-classes.ts'
import { PRODUCT_PRICES, QUOTE_LINES } from '../domain/derived-classes.ts'

/** X2CRM's product status (Active, Inactive): inactive products are retired. */
export const DEFAULT_PRODUCT_STATES: ProductStateRule = { field: 'status', retired: ['Inactive'] }

/**
 * X2CRM's quote status (dropdown 106: Draft, Presented, Issued, Won): Draft stays a draft, Presented and Issued are
 * active, Won is won; Lost, Canceled and Closed (custom options X2CRM installs often add) close the quote as lost.
 */
export const DEFAULT_QUOTE_STATES: QuoteStateRule = {
  field: 'status',
  active: ['Presented', 'Issued', 'Sent', 'Accepted'],
  won: ['Won'],
  closed: ['Lost', 'Canceled', 'Cancelled', 'Closed', 'Rejected'],
}

/**
 * X2CRM Products → product, in the run's unit group with its default unit and in the price list of its currency;
 * published after the load, retired when inactive. X2CRM has no product number: the X2CRM id is it (Dataverse
 * requires one, unique).
 */
export function productMap(): EntityMap {
  return {
    entity: 'Product',
    table: PRODUCT,
    defaults: { ...DEFAULT_VALUES['product'], quantitydecimal: 2 },
    fields: [
      { source: 'name', target: 'name', transform: 'text' },
      { source: 'id', target: 'productnumber', transform: 'text' },
      { source: 'description', target: 'description', transform: 'text' },
      { source: 'price', target: 'price', transform: 'decimal' },
      { source: 'inventory', target: 'quantityonhand', transform: 'decimal' },
      { source: 'createDate', target: 'overriddencreatedon', transform: 'unixToIso' },
      { source: 'id', target: 'defaultuomid', transform: 'unit' },
      { source: 'currency', target: 'pricelevelid', transform: 'priceList' },
    ],
    productStates: DEFAULT_PRODUCT_STATES,
  }
}

/** Each product's price → a price list item in the price list of its currency, with the default unit. */
export function priceListItemMap(): EntityMap {
  return {
    entity: PRODUCT_PRICES,
    name: 'Product→price list item',
    table: PRICE_LIST_ITEM,
    // 1 = Currency Amount (the amount is the price), 1 = No Control (any quantity may be sold).
    defaults: { pricingmethodcode: 1, quantitysellingcode: 1 },
    fields: [
      {
        source: 'product',
        target: 'productid',
        transform: 'link',
        linkTo: { entity: 'Product', table: PRODUCT },
        pass: 1,
      },
      { source: 'price', target: 'amount', transform: 'decimal' },
      { source: 'currency', target: 'pricelevelid', transform: 'priceList' },
      { source: 'id', target: 'uomid', transform: 'unit' },
    ],
  }
}

/**
 * X2CRM Quotes → quote for its account, in the price list of its currency; loaded as drafts, then activated, won or
 * closed last (`quoteStates`), once their lines are in.
 */
export function quoteMap(): EntityMap {
  return {
    entity: 'Quote',
    table: QUOTE,
    fields: [
      { source: 'name', target: 'name', transform: 'text' },
      { source: 'description', target: 'description', transform: 'text' },
      {
        source: 'accountName',
        target: 'customerid_account',
        transform: 'link',
        linkTo: { entity: 'Accounts', table: ACCOUNT },
        pass: 1,
      },
      { source: 'currency', target: 'pricelevelid', transform: 'priceList' },
      { source: 'expirationDate', target: 'effectiveto', transform: 'unixToIso' },
      { source: 'assignedTo', target: 'ownerid', transform: 'owner' },
      { source: 'createDate', target: 'overriddencreatedon', transform: 'unixToIso' },
    ],
    quoteStates: DEFAULT_QUOTE_STATES,
  }
}

/** X2CRM quote lines → quote products: a catalog product with its unit, or a write-in product named as the line. */
export function quoteLineMap(): EntityMap {
  return {
    entity: QUOTE_LINES,
    name: 'Quote lines→quotedetail',
    table: QUOTE_LINE,
    fields: [
      {
        source: 'quote',
        target: 'quoteid',
        transform: 'link',
        linkTo: { entity: 'Quote', table: QUOTE },
        pass: 1,
      },
      {
        source: 'product',
        target: 'productid',
        transform: 'link',
        linkTo: { entity: 'Product', table: PRODUCT },
        pass: 1,
      },
      { source: 'id', target: 'uomid', transform: 'unit' },
      { source: 'quantity', target: 'quantity', transform: 'decimal' },
      { source: 'price', target: 'priceperunit', transform: 'decimal' },
      { source: 'lineNumber', target: 'lineitemnumber', transform: 'integer' },
      { source: 'description', target: 'description', transform: 'text' },
    ],
  }
}

/** Products, their price list items, quotes and their lines, in the order they load. */
export function salesMaps(): EntityMap[] {
  return [productMap(), priceListItemMap(), quoteMap(), quoteLineMap()]
}
