import { describe, expect, it } from 'vitest'
import { ACCOUNT, CONTACT, defaultMapping } from '../mapping/default-map.ts'
import { targetIdFor } from '../mapping/target-id.ts'
import { connectionRow, isLinkFieldCopy, linkedPairsOf } from './connections.ts'

const aRelationship = (values: Partial<Parameters<typeof isLinkFieldCopy>[0]> = {}) => ({
  id: 77,
  firstType: 'Contacts',
  firstId: 2,
  firstLabel: null,
  secondType: 'Accounts',
  secondId: 11,
  secondLabel: null,
  ...values,
})

describe('relationships → connections', () => {
  const pairs = linkedPairsOf(defaultMapping())

  it('an unlabelled relationship between classes a link field joins is that field’s copy, either way round', () => {
    expect(isLinkFieldCopy(aRelationship(), pairs)).toBe(true)
    expect(isLinkFieldCopy(aRelationship({ firstType: 'Accounts', secondType: 'Contacts' }), pairs)).toBe(
      true,
    )
    expect(isLinkFieldCopy(aRelationship({ firstLabel: 'Partner' }), pairs)).toBe(false)
    expect(isLinkFieldCopy(aRelationship({ secondType: 'Product' }), pairs)).toBe(false)
  })

  it('binds both ends and the roles named after the labels; a side without a label has no role', () => {
    const row = connectionRow(
      'x',
      aRelationship({ firstLabel: ' Decision maker ' }),
      { table: CONTACT, targetId: 'c-2' },
      { table: ACCOUNT, targetId: 'a-11' },
      (name) => `role:${name}`,
    )
    expect(row).toEqual({
      targetId: targetIdFor('x', 'Relationships', 77),
      values: {
        'record1id_contact@odata.bind': '/contacts(c-2)',
        'record2id_account@odata.bind': '/accounts(a-11)',
        'record1roleid@odata.bind': '/connectionroles(role:Decision maker)',
      },
    })
  })
})
