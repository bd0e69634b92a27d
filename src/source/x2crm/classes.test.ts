import { describe, expect, it } from 'vitest'
import { classesToExtract, MIGRATED_CLASSES } from './classes.ts'
import { formatCompletenessTable } from './completeness-summary.ts'

describe('classesToExtract', () => {
  it('adds custom modules after the standard classes and skips built-in non-business models', () => {
    const model = (modelName: string) => ({ modelName, title: modelName, attributes: [] })
    expect(
      classesToExtract([model('Contacts'), model('Reports'), model('Vehicles'), model('Charts')]),
    ).toEqual([...MIGRATED_CLASSES, 'Vehicles'])
  })
})

describe('formatCompletenessTable', () => {
  it('shows records, listed, hidden and missing per class', () => {
    const table = formatCompletenessTable([
      {
        entity: 'Contacts',
        afterId: 0,
        count: 63,
        listed: 63,
        gapFetched: 1,
        hiddenIds: [{ from: 50, to: 50 }],
        missing: 0,
        missingIds: [],
        maxId: 64,
        probedUpTo: 74,
        unprobedBelow: 0,
        listsMatchCount: true,
      },
    ])
    expect(table.split('\n')[2]).toBe('| Contacts | 64 | 63 | 1 (50) | 0 | lists = count |')
  })

  it('says when the low ids of a class were not probed', () => {
    const table = formatCompletenessTable([
      {
        entity: 'Services',
        afterId: 0,
        count: 3,
        listed: 3,
        gapFetched: 0,
        hiddenIds: [],
        missing: 64,
        missingIds: [{ from: 936, to: 999 }],
        maxId: 1002,
        probedUpTo: 1002,
        unprobedBelow: 936,
        listsMatchCount: true,
      },
    ])
    expect(table.split('\n')[2]).toBe(
      '| Services | 3 | 3 | 0 | 64 (936–999) | lists = count; ids below 936 not probed |',
    )
  })
})
