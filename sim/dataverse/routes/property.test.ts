import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom } from '../test-helpers.ts'

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api#update-a-single-property-value
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api#delete-a-single-property-value
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/retrieve-entity-using-web-api#retrieve-a-single-property-value
describe('single-property values', () => {
  it('PUT sets one column, GET reads it back, DELETE clears it (204s)', async () => {
    const api = await connect()
    const id = idFrom(await api.call('POST', 'accounts', { name: 'A', description: 'old' }))
    expect((await api.call('PUT', `accounts(${id})/name`, { value: 'Renamed' })).status).toBe(204)
    const read = await api.call('GET', `accounts(${id})/name`)
    expect(read.status).toBe(200)
    expect(read.body).toEqual({
      '@odata.context': `https://127.0.0.1/api/data/v9.2/$metadata#accounts(${id})/name`,
      value: 'Renamed',
    })
    expect((await api.call('DELETE', `accounts(${id})/description`)).status).toBe(204)
    expect(api.sim.rows('account')[0]).toMatchObject({ name: 'Renamed', description: null })
    expect((await api.call('GET', `accounts(${id})/description`)).status).toBe(204)
  })

  it('validates like a PATCH: too long, unknown column, lookup value, missing row', async () => {
    const api = await connect()
    const id = idFrom(await api.call('POST', 'accounts', { name: 'A' }))
    const long = await api.call('PUT', `accounts(${id})/name`, { value: 'x'.repeat(161) })
    expect(long.status).toBe(400)
    expect(errorOf(long).code).toBe('0x80044331')
    const unknown = await api.call('PUT', `accounts(${id})/nope`, { value: 1 })
    expect(unknown.status).toBe(404)
    expect(errorOf(unknown).message).toBe("Resource not found for the segment 'nope'.")
    const lookup = await api.call('PUT', `accounts(${id})/_primarycontactid_value`, { value: id })
    expect(lookup.status).toBe(400)
    expect(errorOf(lookup).code).toBe('0x80048d19')
    const missing = await api.call('PUT', `accounts(00000000-0000-0000-0000-00000000abcd)/name`, {
      value: 'B',
    })
    expect(missing.status).toBe(404)
    expect(errorOf(missing)).toEqual({
      code: '0x80040217',
      message: 'account With Id = 00000000-0000-0000-0000-00000000abcd Does Not Exist',
    })
  })

  // https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api#apply-optimistic-concurrency
  it('honours If-Match with an etag: the current one writes, a stale one is 412', async () => {
    const api = await connect()
    const id = idFrom(await api.call('POST', 'accounts', { name: 'A' }))
    const etag = String((api.sim.rows('account')[0] as Record<string, unknown>)['@odata.etag'])
    expect((await api.call('PUT', `accounts(${id})/name`, { value: 'B' }, { 'if-match': etag })).status).toBe(
      204,
    )
    const stale = await api.call('PUT', `accounts(${id})/name`, { value: 'C' }, { 'if-match': etag })
    expect(stale.status).toBe(412)
    expect(errorOf(stale).message).toBe(
      "The version of the existing record doesn't match the RowVersion property provided.",
    )
    const staleDelete = await api.call('DELETE', `accounts(${id})/name`, undefined, { 'if-match': etag })
    expect(staleDelete.status).toBe(412)
    expect(api.sim.rows('account')[0]).toMatchObject({ name: 'B' })
  })
})

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api#using-single-valued-navigation-properties
describe('single-valued navigation $ref', () => {
  it('PUT …/nav/$ref associates, DELETE …/nav/$ref disassociates', async () => {
    const api = await connect()
    const account = idFrom(await api.call('POST', 'accounts', { name: 'A' }))
    const contact = idFrom(await api.call('POST', 'contacts', { lastname: 'L' }))
    const put = await api.call('PUT', `contacts(${contact})/parentcustomerid_account/$ref`, {
      '@odata.id': `https://127.0.0.1/api/data/v9.2/accounts(${account})`,
    })
    expect(put.status).toBe(204)
    expect(api.sim.rows('contact')[0]).toMatchObject({ _parentcustomerid_value: account })
    expect((await api.call('DELETE', `contacts(${contact})/parentcustomerid_account/$ref`)).status).toBe(204)
    expect(api.sim.rows('contact')[0]).toMatchObject({ _parentcustomerid_value: null })
  })

  it('refuses a missing target, a wrong target set and an unknown navigation property', async () => {
    const api = await connect()
    const contact = idFrom(await api.call('POST', 'contacts', { lastname: 'L' }))
    const gone = await api.call('PUT', `contacts(${contact})/parentcustomerid_account/$ref`, {
      '@odata.id': `accounts(00000000-0000-0000-0000-00000000abcd)`,
    })
    expect(gone.status).toBe(404)
    expect(errorOf(gone).code).toBe('0x80040217')
    const wrongSet = await api.call('PUT', `contacts(${contact})/parentcustomerid_account/$ref`, {
      '@odata.id': `contacts(${contact})`,
    })
    expect(wrongSet.status).toBe(400)
    const unknown = await api.call('DELETE', `contacts(${contact})/nope/$ref`)
    expect(unknown.status).toBe(404)
    expect(errorOf(unknown).message).toBe("Resource not found for the segment 'nope'.")
  })
})
