import { describe, expect, it } from 'vitest'
import { countTables, countTagged, formatTableCounts, formatTagged, type TableRows } from './demo-tables.ts'

/** A simulator holding these rows per table, none in the others. */
const holding = (tables: Record<string, Record<string, unknown>[]>): TableRows => ({
  rows: (table) => tables[table] ?? [],
})

describe('the demo table counts', () => {
  it('counts cases, quotes and products by state, lists by kind, and names why a database-only table is empty', () => {
    const counts = countTables(
      holding({
        incident: [{ statecode: 0 }, { statecode: 1 }, { statecode: 1 }, { statecode: 2 }],
        incidentresolution: [{}, {}],
        quote: [{ statecode: 0 }, { statecode: 2 }, { statecode: 3 }],
        product: [{ statecode: 0 }, { statecode: 1 }],
        list: [{ type: false }, { type: true }],
        connection: [{}],
      }),
    )
    const of = (table: string) => counts.find((c) => c.table === table)
    expect(of('incident')).toEqual({
      table: 'incident',
      rows: 4,
      states: { active: 1, resolved: 2, canceled: 1 },
    })
    expect(of('incidentresolution')?.rows).toBe(2)
    expect(of('quote')?.states).toEqual({ draft: 1, won: 1, closed: 1 })
    expect(of('product')?.states).toEqual({ active: 1, retired: 1 })
    expect(of('list')?.states).toEqual({ static: 1, dynamic: 1 })
    expect(of('connection')?.rows).toBe(1)
    expect(of('listmember')?.note).toMatch(/API v2 has no list members/)
    expect(of('team')).toEqual({ table: 'team', rows: 0, states: {} })

    const text = formatTableCounts(counts)
    expect(text).toContain('  incident                4   active 1, resolved 2, canceled 1\n')
    expect(text).toContain(
      '  quotedetail             0   (API v2 has no quote lines (x2_quotes_products): source.mysql reads them)',
    )
  })

  it('gives no note to a database-only table that has rows (a run from source.mysql)', () => {
    const [member] = countTables(holding({ listmember: [{}, {}] })).filter((c) => c.table === 'listmember')
    expect(member).toEqual({ table: 'listmember', rows: 2, states: {} })
  })

  it('counts the rows whose tag column holds tags, per table, and says how many X2CRM had', () => {
    const tagged = countTagged(
      holding({
        account: [{ new_x2crmtags: '100000000' }, { new_x2crmtags: null }, {}],
        contact: [{ new_x2crmtags: '100000001,100000002' }, { new_x2crmtags: '' }, { new_x2crmtags: '7' }],
        task: [{ new_x2crmtags: null }],
      }),
      'new_x2crmtags',
      ['account', 'contact', 'task', 'contact'],
    )
    expect(tagged).toEqual({ column: 'new_x2crmtags', records: 3, byTable: { account: 1, contact: 2 } })
    expect(formatTagged(tagged, 4)).toBe(
      'Tagged records (new_x2crmtags): 3 of the 4 X2CRM tagged, account 1, contact 2',
    )
  })
})
