import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom } from '../test-helpers.ts'

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-entity-web-api#create-related-table-rows-in-one-operation
describe('deep insert', () => {
  it('creates the account, its primary contact, an opportunity and the opportunity’s task in one request', async () => {
    const api = await connect()
    const created = await api.call('POST', 'accounts', {
      name: 'Sample Account',
      primarycontactid: { firstname: 'John', lastname: 'Smith' },
      opportunity_customer_accounts: [
        {
          name: 'Opportunity associated to Sample Account',
          Opportunity_Tasks: [{ subject: 'Task associated to opportunity' }],
        },
      ],
    })
    expect(created.status).toBe(204)
    const account = idFrom(created)
    const [contact] = api.sim.rows('contact')
    expect(contact).toMatchObject({ fullname: 'John Smith' })
    expect(api.sim.rows('account')[0]).toMatchObject({ _primarycontactid_value: contact?.contactid })
    const [opportunity] = api.sim.rows('opportunity')
    expect(opportunity).toMatchObject({ _customerid_value: account })
    expect(api.sim.rows('task')).toEqual([
      expect.objectContaining({
        subject: 'Task associated to opportunity',
        _regardingobjectid_value: opportunity?.opportunityid,
      }),
    ])
    expect(api.sim.stats().byOperation).toEqual({ Create: 1 })
  })

  it('writes nothing when a nested row is invalid, or when the row itself fails after its related rows', async () => {
    const api = await connect()
    const nested = await api.call('POST', 'accounts', {
      name: 'A',
      primarycontactid: { lastname: 'x'.repeat(51) },
    })
    expect(nested.status).toBe(400)
    expect(errorOf(nested).code).toBe('0x80044331')
    const id = idFrom(await api.call('POST', 'accounts', { name: 'Taken' }))
    const duplicate = await api.call('POST', 'accounts', {
      accountid: id,
      name: 'Again',
      primarycontactid: { lastname: 'Orphan' },
    })
    expect(duplicate.status).toBe(412)
    expect(api.sim.rows('contact')).toEqual([])
  })

  it('is refused in an update', async () => {
    const api = await connect()
    const id = idFrom(await api.call('POST', 'accounts', { name: 'A' }))
    const update = await api.call('PATCH', `accounts(${id})`, { primarycontactid: { lastname: 'L' } })
    expect(update.status).toBe(400)
    expect(api.sim.rows('contact')).toEqual([])
  })
})
