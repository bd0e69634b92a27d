import { describe, expect, it } from 'vitest'
import { DataverseFault } from '../errors.ts'
import { evaluateFilter, parseFilter } from './filter.ts'

// Operators and literals: webapi.md §2.8 and
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/filter-rows
const row = {
  name: "O'Brien Ltd",
  numberofemployees: 50,
  revenue: 1000.5,
  creditonhold: false,
  description: null,
  _parentaccountid_value: '6f2b7d0e-1c1a-4c53-9f4e-0a0b0c0d0e01',
  createdon: '2025-02-03T04:05:06Z',
}
const matches = (filter: string) => evaluateFilter(parseFilter(filter), row)

describe('$filter', () => {
  it.each([
    ["name eq 'O''Brien Ltd'", true],
    ["name eq 'o''brien ltd'", true], // Dataverse compares strings case-insensitively
    ["name ne 'x'", true],
    ['numberofemployees gt 49', true],
    ['numberofemployees ge 50', true],
    ['numberofemployees lt 50', false],
    ['numberofemployees le 50', true],
    ['revenue gt 1000.25', true],
    ['creditonhold eq false', true],
    ['description eq null', true],
    ['description ne null', false],
    ['_parentaccountid_value eq 6F2B7D0E-1C1A-4C53-9F4E-0A0B0C0D0E01', true],
    ['createdon gt 2025-01-01T00:00:00Z', true],
    ['createdon lt 2025-01-01', false],
    ["contains(name,'brien')", true],
    ["startswith(name, 'o''b')", true],
    ["endswith(name,'Ltd')", true],
    ["not contains(name,'x')", true],
    ["numberofemployees eq 1 or (numberofemployees eq 50 and name eq 'O''Brien Ltd')", true],
    ['numberofemployees eq 1 or numberofemployees eq 2 and numberofemployees eq 50', false],
    ['not (numberofemployees eq 50)', false],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected)
  })

  it.each([["name eq 'open"], ['name eq'], ['(name eq 1'], ['name foo 1'], ['name eq 1 1']])(
    'rejects %s',
    (filter) => {
      expect(() => parseFilter(filter)).toThrow(DataverseFault)
    },
  )
})
