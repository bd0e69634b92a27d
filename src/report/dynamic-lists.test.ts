import { describe, expect, it } from 'vitest'
import { describeDynamicLists, dynamicListsMarkdown } from './dynamic-lists.ts'

const lists = [
  { id: 1, name: 'Q4 Newsletter Recipients', type: 'static', modelName: 'Contacts' },
  { id: 2, name: 'Hot EMEA leads', type: 'dynamic', modelName: 'Contacts', logicType: 'AND' },
]

describe('dynamic lists in the reconstruction document', () => {
  it('lists each dynamic list with its rules in words and how to rebuild it; static lists migrate', () => {
    const items = describeDynamicLists(lists, [
      { listId: 2, attribute: 'c_region', comparison: '=', value: 'EMEA' },
      { listId: 2, attribute: 'email', comparison: 'notEmpty', value: '' },
      { listId: 1, attribute: 'x', comparison: '=', value: 'y' },
    ])
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject({ id: 2, criteria: ['c_region equals "EMEA"', 'email is not empty'] })
    expect(items[0]?.rebuild).toMatch(
      /dynamic marketing list of contact .*combined with AND.*creates the list empty/,
    )
    const markdown = dynamicListsMarkdown(items, (s) => s).join('\n')
    expect(markdown).toContain('### Hot EMEA leads (list 2, Contacts)')
    expect(markdown).toContain('- c_region equals "EMEA"')
  })

  it('says where the rules are when only the API was read', () => {
    const [item] = describeDynamicLists(lists, undefined)
    expect(item?.criteria).toEqual([])
    expect(item?.rebuild).toMatch(/x2_list_criteria \(configure source.mysql/)
  })
})
