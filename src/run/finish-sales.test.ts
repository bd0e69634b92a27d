import { describe, expect, it } from 'vitest'
import { DEFAULT_PRODUCT_STATES, DEFAULT_QUOTE_STATES } from '../mapping/default-sales.ts'
import { isRetired, quoteStateOf, quoteSteps } from './finish-sales.ts'

describe('quote states', () => {
  it('reads X2CRM status ignoring case and space; an unknown status stays a draft', () => {
    const state = (status: unknown) => quoteStateOf(DEFAULT_QUOTE_STATES, { status })
    expect([
      state('Draft'),
      state(' presented '),
      state('Issued'),
      state('WON'),
      state('Lost'),
      state('Whatever'),
    ]).toEqual(['draft', 'active', 'active', 'won', 'closed', 'draft'])
    expect(state(null)).toBe('draft')
  })

  it('activates a draft before winning or closing it, and leaves a won or closed quote alone', () => {
    expect(quoteSteps(0, 'won')).toEqual(['activate', 'WinQuote'])
    expect(quoteSteps(0, 'closed')).toEqual(['activate', 'CloseQuote'])
    expect(quoteSteps(0, 'active')).toEqual(['activate'])
    expect(quoteSteps(1, 'won')).toEqual(['WinQuote'])
    expect(quoteSteps(0, 'draft')).toEqual([])
    expect(quoteSteps(2, 'closed')).toEqual([])
    expect(quoteSteps(3, 'won')).toEqual([])
  })

  it('retires only the products X2CRM has inactive', () => {
    expect(isRetired(DEFAULT_PRODUCT_STATES, { status: 'Inactive' })).toBe(true)
    expect(isRetired(DEFAULT_PRODUCT_STATES, { status: 'Active' })).toBe(false)
  })
})
