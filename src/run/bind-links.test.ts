import { describe, expect, it } from 'vitest'
import type { LoadedRecord } from '../ledger/ledger.ts'
import { defaultMapping } from '../mapping/default-map.ts'
import type { LinkRef } from '../mapping/types.ts'
import { bindLinks, emptiedLinks } from './bind-links.ts'

const company: LinkRef = {
  field: 'company',
  nav: 'parentcustomerid_account',
  entitySet: 'accounts',
  parentKey: 'Accounts:57',
  parentTargetId: 'computed-57',
  pass: 1,
}

const loadedIn = (phase: string, targetId = 'row-57'): Map<string, LoadedRecord> =>
  new Map([['Accounts:57', { sourceKey: 'Accounts:57', targetId, runId: 'r1', phase }]])

describe('bindLinks', () => {
  it('binds a lookup whose parent is in Dataverse to the row the ledger holds (a dedupe match included)', () => {
    expect(bindLinks([company], loadedIn('Accounts'), new Map([['Accounts', 'accounts']]))).toEqual({
      binds: { 'parentcustomerid_account@odata.bind': '/accounts(row-57)' },
      warnings: [],
    })
    // The link pass wrote the parent last: it is still in the first pass's table.
    expect(bindLinks([company], loadedIn('Accounts.links')).binds).toEqual({
      'parentcustomerid_account@odata.bind': '/accounts(row-57)',
    })
  })

  it('leaves a lookup empty, saying why, when the parent is not in Dataverse', () => {
    expect(bindLinks([company], new Map())).toEqual({
      binds: {},
      warnings: [
        'company: Accounts:57 is not in Dataverse (missing from X2CRM, or quarantined); link left empty',
      ],
    })
  })

  it('leaves a lookup empty when a split map loaded the parent into another table', () => {
    const sets = new Map([
      ['Accounts', 'accounts'],
      ['Accounts→competitor', 'competitors'],
    ])
    expect(bindLinks([company], loadedIn('Accounts→competitor'), sets)).toEqual({
      binds: {},
      warnings: [
        'company: Accounts:57 was loaded into competitors, not accounts (split by the map); link left empty',
      ],
    })
  })

  it('binds some links of a record and leaves the others', () => {
    const parent: LinkRef = {
      ...company,
      field: 'parentAccount',
      nav: 'parentaccountid',
      parentKey: 'Accounts:9',
    }
    const { binds, warnings } = bindLinks([company, parent], loadedIn('Accounts'))
    expect(Object.keys(binds)).toEqual(['parentcustomerid_account@odata.bind'])
    expect(warnings).toEqual([expect.stringMatching(/^parentAccount: Accounts:9 is not in Dataverse/)])
  })
})

describe('emptiedLinks', () => {
  const contacts = defaultMapping().entities[1] ?? { fields: [] }

  it('clears a lookup the row holds but the record no longer has', () => {
    expect(emptiedLinks(contacts, { links: [] }, { _parentcustomerid_value: 'row-57' })).toEqual({
      'parentcustomerid_account@odata.bind': null,
    })
  })

  it('keeps a lookup the record still has, and one the row never held', () => {
    expect(emptiedLinks(contacts, { links: [company] }, { _parentcustomerid_value: 'row-57' })).toEqual({})
    expect(emptiedLinks(contacts, { links: [] }, { _parentcustomerid_value: null })).toEqual({})
    expect(emptiedLinks({ fields: [] }, { links: [] }, { _parentcustomerid_value: 'row-57' })).toEqual({})
  })

  it('clears second-pass links too (parent account)', () => {
    const accounts = defaultMapping().entities[0] ?? { fields: [] }
    expect(emptiedLinks(accounts, { links: [] }, { _parentaccountid_value: 'row-1' })).toEqual({
      'parentaccountid@odata.bind': null,
    })
  })
})
