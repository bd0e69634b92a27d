import { describe, expect, it } from 'vitest'
import { filterConditions } from './filters.ts'

const columns = new Set(['id', 'lastUpdated', 'assignedTo'])

describe('filterConditions', () => {
  it('turns operator prefixes into placeholders, values never into SQL', () => {
    expect(
      filterConditions('Contacts', { lastUpdated: '>=1700000000', assignedTo: "x' OR 1=1" }, columns),
    ).toEqual({
      sql: ['`lastUpdated` >= ?', '`assignedTo` = ?'],
      params: ['1700000000', "x' OR 1=1"],
    })
  })

  it('ignores an empty value, like the API', () => {
    expect(filterConditions('Contacts', { lastUpdated: '>' }, columns).sql).toEqual([])
  })

  it('refuses an attribute that is not a column, naming it', () => {
    expect(() => filterConditions('Contacts', { 'x`; DROP': '1' }, columns)).toThrow(/Contacts\.x`; DROP/)
  })
})
