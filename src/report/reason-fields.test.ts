import { describe, expect, it } from 'vitest'
import { defaultMapping } from '../mapping/default-map.ts'
import type { EntityMap } from '../mapping/types.ts'
import { entityMapOfPhase, fieldsOfReason } from './reason-fields.ts'

const mapping = defaultMapping()
const accounts = entityMapOfPhase(mapping, 'Accounts') as EntityMap
const contacts = entityMapOfPhase(mapping, 'Contacts') as EntityMap
const rejected = (message: string) => `Dataverse rejected the row (400 0x80044331): ${message}`

describe('entityMapOfPhase', () => {
  it('finds the map of a first pass and of its link pass, and none for a phase the map does not have', () => {
    expect(entityMapOfPhase(mapping, 'Accounts.links')).toBe(accounts)
    expect(contacts.entity).toBe('Contacts')
    expect(entityMapOfPhase(mapping, 'Contacts→lead')).toBeUndefined()
  })
})

describe('fieldsOfReason', () => {
  it('takes the X2CRM fields the transform and the offline checks name first', () => {
    expect(
      fieldsOfReason(
        'firstName, lastName: the contact has neither a first nor a last name, so nobody could find it',
        contacts,
      ),
    ).toEqual(['firstName', 'lastName'])
    expect(
      fieldsOfReason(
        'lastName: contact.lastname has 312 characters, Dataverse allows 50; title: contact.jobtitle has 120 characters, Dataverse allows 100',
        contacts,
      ),
    ).toEqual(['lastName', 'title'])
  })

  it('does the same without a map', () => {
    expect(fieldsOfReason('name: the account has no name, and Dynamics 365 requires one.')).toEqual(['name'])
  })

  it('turns a column Dataverse names back into the X2CRM field the map fills it from', () => {
    const tooLong = rejected(
      "A validation error occurred.  The length of the 'lastname' attribute of the 'contact' entity exceeded the maximum allowed length of '50'.",
    )
    expect(fieldsOfReason(tooLong, contacts)).toEqual(['lastName'])
    const outOfRange = rejected(
      "A validation error occurred.  The value 3000000000 of 'numberofemployees' on record of type 'account' is outside the valid range.",
    )
    expect(fieldsOfReason(outOfRange, accounts)).toEqual(['employees'])
    const required = rejected(
      "A validation error occurred.  The value for 'name' on record of type 'account' is required and cannot be null.",
    )
    expect(fieldsOfReason(required, accounts)).toEqual(['name'])
  })

  it('finds the link field behind a lookup Dataverse names by its attribute, its bind or its read form', () => {
    const nav = "The value of 'parentcustomerid_account@odata.bind' is not a valid entity reference URI: 'x'."
    expect(fieldsOfReason(rejected(nav), contacts)).toEqual(['company'])
    expect(fieldsOfReason(rejected("Attribute 'parentcustomerid' is invalid."), contacts)).toEqual([
      'company',
    ])
    expect(fieldsOfReason(rejected("'_parentaccountid_value' is not valid"), accounts)).toEqual([
      'parentAccount',
    ])
  })

  it('names nothing for a column without a map, a table name, the id, or a column no field fills', () => {
    const tooLong = rejected(
      "A validation error occurred.  The length of the 'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'.",
    )
    expect(fieldsOfReason(tooLong)).toEqual([])
    expect(fieldsOfReason(rejected("Resource not found for the segment 'accounts'."), accounts)).toEqual([])
    expect(
      fieldsOfReason('id: "abc" is not an X2CRM record id; the record cannot be keyed', accounts),
    ).toEqual([])
    expect(
      fieldsOfReason(
        rejected("The property 'new_x2crmid' does not exist on type 'Microsoft.Dynamics.CRM.account'"),
        accounts,
      ),
    ).toEqual([])
    expect(fieldsOfReason('no result from the loader (internal error)', accounts)).toEqual([])
  })

  it('lists each field once, in the order the reason names them', () => {
    expect(
      fieldsOfReason(
        `title: too long; ${rejected("The length of the 'lastname' attribute… The length of the 'jobtitle' attribute")}`,
        contacts,
      ),
    ).toEqual(['title', 'lastName'])
  })
})
