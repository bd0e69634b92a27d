import { describe, expect, it } from 'vitest'
import { ACCOUNT, CONTACT } from '../mapping/default-map.ts'
import type { EntityMap } from '../mapping/types.ts'
import { imageColumns, restoreValues } from './before-image.ts'

const accounts: EntityMap = {
  entity: 'Accounts',
  table: ACCOUNT,
  sourceIdColumn: 'new_x2crmid',
  fields: [
    { source: 'name', target: 'name', transform: 'text' },
    { source: 'assignedTo', target: 'ownerid', transform: 'owner' },
    {
      source: 'primaryContact',
      target: 'primarycontactid',
      transform: 'link',
      linkTo: { entity: 'Contacts', table: CONTACT },
      pass: 2,
    },
  ],
}

describe('before-images', () => {
  it('read the X2CRM id column too: a row matched by dedupe had none, and rollback must clear it again', () => {
    expect(imageColumns(accounts)).toEqual([
      'name',
      '_ownerid_value',
      '_owningteam_value',
      '_primarycontactid_value',
      'new_x2crmid',
    ])
    expect(
      restoreValues(accounts, {
        name: 'Acme Ltd',
        _ownerid_value: 'u-1',
        _primarycontactid_value: null,
        new_x2crmid: null,
      }),
    ).toEqual({
      name: 'Acme Ltd',
      'ownerid@odata.bind': '/systemusers(u-1)',
      'primarycontactid@odata.bind': null,
      new_x2crmid: null,
    })
  })

  it('give a row a team owned back to that team', () => {
    expect(restoreValues(accounts, { _ownerid_value: 't-1', _owningteam_value: 't-1' })).toMatchObject({
      'ownerid@odata.bind': '/teams(t-1)',
    })
  })

  it('leave the X2CRM id column out when the map has none, or the image was taken without it', () => {
    const { sourceIdColumn: _, ...withoutId } = accounts
    expect(imageColumns(withoutId)).not.toContain('new_x2crmid')
    expect(restoreValues(accounts, { name: 'Acme Ltd' })).not.toHaveProperty('new_x2crmid')
  })
})
