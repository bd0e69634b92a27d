import { describe, expect, it } from 'vitest'
import { describeFilter, matchesFilter, previewSplit } from './split-rule.ts'
import type { RecordFilter } from './types.ts'

const rule: RecordFilter = {
  match: 'all',
  conditions: [
    { type: 'field', field: 'leadstatus', in: ['Unassigned', 'Working'] },
    { type: 'hasCompany', field: 'company', value: false },
  ],
}

const records = [
  { id: 1, firstName: 'Ann', leadstatus: 'working', company: '' },
  { id: 2, firstName: 'Bob', leadstatus: 'Working', company: 'Hooli_13' },
  { id: 3, firstName: 'Cy', leadstatus: 'Dead', company: null },
  { id: 4, firstName: 'Dee', leadstatus: 'Unassigned', company: 'Typed Inc' },
  { id: 5, firstName: 'Eve', leadstatus: null, company: null },
]

describe('the Lead/Contact split rule', () => {
  it('matches field values without case, and a company only when it is a link', () => {
    expect(records.map((r) => matchesFilter(rule, r))).toEqual([true, false, false, true, false])
    expect(records.map((r) => matchesFilter({ ...rule, negate: true }, r))).toEqual([
      false,
      true,
      true,
      false,
      true,
    ])
  })

  it('matches tags without case or #, and any-of rules', () => {
    const tagged: RecordFilter = {
      match: 'any',
      conditions: [
        { type: 'tag', tags: ['#Lead'] },
        { type: 'field', field: 'x', in: [''] },
      ],
    }
    expect(matchesFilter(tagged, { id: 1, x: 'a' }, ['lead'])).toBe(true)
    expect(matchesFilter(tagged, { id: 1, x: 'a' }, ['#vip'])).toBe(false)
    expect(matchesFilter(tagged, { id: 1 }, [])).toBe(true)
  })

  it('previews counts per side and per condition with example records', async () => {
    const preview = await previewSplit(rule, records, () => [], 1)
    expect(preview).toEqual({
      rule: 'leadstatus is one of Unassigned, Working and company links no company',
      total: 5,
      split: 2,
      kept: 3,
      byCondition: [
        { condition: 'leadstatus is one of Unassigned, Working', matches: 3 },
        { condition: 'company links no company', matches: 4 },
      ],
      examples: { split: [records[0]], kept: [records[1]] },
    })
    expect(describeFilter({ ...rule, negate: true })).toMatch(/^not \(/)
  })
})
