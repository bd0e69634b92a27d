import { describe, expect, it } from 'vitest'
import { connect, idFrom } from '../test-helpers.ts'

describe('delete behaviour of relationships', () => {
  // https://learn.microsoft.com/en-us/dynamics365/customerengagement/on-premises/developer/entity-relationship-behavior
  // https://learn.microsoft.com/en-us/power-apps/maker/data-platform/configure-entity-relationship-cascading-behavior
  it('deleting an account deletes its contacts and opportunities, and their tasks and notes, and unlinks the rest', async () => {
    const api = await connect()
    const account = idFrom(await api.call('POST', 'accounts', { name: 'Parent' }))
    const child = idFrom(
      await api.call('POST', 'accounts', {
        name: 'Child',
        'parentaccountid@odata.bind': `accounts(${account})`,
      }),
    )
    const contact = idFrom(
      await api.call('POST', 'contacts', {
        lastname: 'Lee',
        'parentcustomerid_account@odata.bind': `accounts(${account})`,
      }),
    )
    const loner = idFrom(await api.call('POST', 'contacts', { lastname: 'Alone' }))
    await api.call('POST', 'tasks', {
      subject: 'Call',
      'regardingobjectid_contact_task@odata.bind': `contacts(${contact})`,
    })
    await api.call('POST', 'annotations', {
      subject: 'Note',
      'objectid_contact@odata.bind': `contacts(${contact})`,
    })
    await api.call('POST', 'opportunities', {
      name: 'Deal',
      'customerid_account@odata.bind': `accounts(${account})`,
    })
    expect((await api.call('DELETE', `accounts(${account})`)).status).toBe(204)
    expect(api.sim.rows('contact').map((c) => c.contactid)).toEqual([loner])
    expect(api.sim.rows('task')).toEqual([])
    expect(api.sim.rows('annotation')).toEqual([])
    expect(api.sim.rows('opportunity')).toEqual([])
    // parentaccountid is referential: the child account stays, without its parent
    expect(api.sim.rows('account')).toEqual([
      expect.objectContaining({ accountid: child, _parentaccountid_value: null }),
    ])
  })

  it("deleting an account's primary contact only clears the account's lookup", async () => {
    const api = await connect()
    const contact = idFrom(await api.call('POST', 'contacts', { lastname: 'Lee' }))
    const account = idFrom(
      await api.call('POST', 'accounts', {
        name: 'A',
        'primarycontactid@odata.bind': `contacts(${contact})`,
      }),
    )
    const before = api.sim.rows('account')[0]?.['@odata.etag']
    expect((await api.call('DELETE', `contacts(${contact})`)).status).toBe(204)
    const after = api.sim.rows('account')[0]
    expect(after).toMatchObject({ accountid: account, _primarycontactid_value: null })
    expect(after?.['@odata.etag']).not.toBe(before)
  })
})
