import { describe, expect, it } from 'vitest'
import { connect, idFrom } from '../test-helpers.ts'

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/annotation-file-attachment
// (the note's objectid and objecttypecode: the record it is attached to and that record's table)
describe('the table name of a polymorphic lookup', () => {
  it('an annotation bound with objectid_account@odata.bind gets objecttypecode "account", and follows a rebind', async () => {
    const api = await connect()
    const account = idFrom(await api.call('POST', 'accounts', { name: 'A' }))
    const contact = idFrom(await api.call('POST', 'contacts', { lastname: 'L' }))
    const note = idFrom(
      await api.call('POST', 'annotations', {
        subject: 'S',
        'objectid_account@odata.bind': `accounts(${account})`,
      }),
    )
    const read = await api.call('GET', `annotations(${note})?$select=objecttypecode,_objectid_value`)
    expect(read.body).toMatchObject({ objecttypecode: 'account', _objectid_value: account })
    await api.call('PATCH', `annotations(${note})`, { 'objectid_contact@odata.bind': `contacts(${contact})` })
    expect(api.sim.rows('annotation')[0]).toMatchObject({ objecttypecode: 'contact' })
  })

  it('a note attached to nothing has objecttypecode null', async () => {
    const api = await connect()
    await api.call('POST', 'annotations', { subject: 'S' })
    expect(api.sim.rows('annotation')[0]).toMatchObject({ objecttypecode: null })
  })
})
