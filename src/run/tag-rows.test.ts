import { describe, expect, it } from 'vitest'
import { CONTACT } from '../mapping/default-map.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import { tagRowsOf } from './tag-rows.ts'

describe('tag table rows', () => {
  it('one row per tag, named after it and bound to the record; none without tags', () => {
    const rows = tagRowsOf(
      'x',
      { id: 1, _tags: '#test, #vip' },
      'Contacts',
      { table: CONTACT, targetId: 'c-1' },
      'new_',
    )
    expect(rows).toEqual([
      {
        targetId: targetIdFor('x', 'Tags', 'Contacts:1:#test'),
        values: { new_name: '#test', 'new_contactid@odata.bind': '/contacts(c-1)' },
      },
      {
        targetId: targetIdFor('x', 'Tags', 'Contacts:1:#vip'),
        values: { new_name: '#vip', 'new_contactid@odata.bind': '/contacts(c-1)' },
      },
    ])
    expect(
      tagRowsOf('x', { id: 2, _tags: null }, 'Contacts', { table: CONTACT, targetId: 'c-2' }, 'new_'),
    ).toEqual([])
  })
})
