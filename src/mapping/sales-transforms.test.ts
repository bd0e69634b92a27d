import { describe, expect, it } from 'vitest'
import { priceListValues, unitValues } from './sales-transforms.ts'
import type { SalesCatalog } from './types.ts'

const salesCatalog: SalesCatalog = {
  unitGroupId: 'g',
  unitId: 'u',
  priceListFor: (code) => (code === 'USD' ? { priceLevelId: 'pl-usd', currencyId: 'c-usd' } : undefined),
}

describe('priceList', () => {
  it('binds the price list of the currency, and the currency too on a quote; empty is USD', () => {
    expect(priceListValues('quote', 'pricelevelid', 'usd', { salesCatalog })).toEqual({
      values: {
        'pricelevelid@odata.bind': '/pricelevels(pl-usd)',
        'transactioncurrencyid@odata.bind': '/transactioncurrencies(c-usd)',
      },
    })
    expect(priceListValues('product', 'pricelevelid', '', { salesCatalog })).toEqual({
      values: { 'pricelevelid@odata.bind': '/pricelevels(pl-usd)' },
    })
  })

  it('a currency without a price list binds nothing and says why', () => {
    const result = priceListValues('quote', 'pricelevelid', 'EUR', { salesCatalog })
    expect(result.values).toEqual({})
    expect(result.warning).toContain('currency EUR has no Dataverse currency')
  })
})

describe('unit', () => {
  it('gives a product its unit group and default unit, a catalog line its unit, a line without product a write-in', () => {
    expect(unitValues('product', {}, { salesCatalog }).values).toEqual({
      'defaultuomid@odata.bind': '/uoms(u)',
      'defaultuomscheduleid@odata.bind': '/uomschedules(g)',
    })
    expect(unitValues('quotedetail', { product: 'Widget_3' }, { salesCatalog }).values).toEqual({
      isproductoverridden: false,
      'uomid@odata.bind': '/uoms(u)',
    })
    expect(unitValues('quotedetail', { product: null, name: 'Setup' }, { salesCatalog }).values).toEqual({
      isproductoverridden: true,
      productdescription: 'Setup',
    })
  })
})
