import { describe, expect, it } from 'vitest'
import { connect, errorOf } from '../test-helpers.ts'

async function withX2crmKey() {
  const api = await connect()
  await api.call('POST', "EntityDefinitions(LogicalName='account')/Attributes", {
    '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
    SchemaName: 'new_X2crmId',
    MaxLength: 100,
    RequiredLevel: { Value: 'None' },
  })
  const key = await api.call('POST', "EntityDefinitions(LogicalName='account')/Keys", {
    SchemaName: 'new_account_x2crmid',
    KeyAttributes: ['new_x2crmid'],
  })
  expect(key.status).toBe(204)
  return api
}

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/use-upsert-insert-update-record#use-upsert-with-the-web-api
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/retrieve-entity-using-web-api#retrieve-using-an-alternate-key
describe("upsert by alternate key segment: accounts(new_x2crmid='12')", () => {
  it('creates on the first PATCH, updates the same row on the second; GET and DELETE address it too', async () => {
    const api = await withX2crmKey()
    const created = await api.call('PATCH', "accounts(new_x2crmid='12')", { name: 'First' })
    expect(created.status).toBe(204)
    expect(created.headers.get('odata-entityid')).toBe(
      "https://127.0.0.1/api/data/v9.2/accounts(new_x2crmid='12')",
    )
    const updated = await api.call(
      'PATCH',
      "accounts(new_x2crmid='12')?$select=name,new_x2crmid",
      { name: 'Second' },
      { prefer: 'return=representation' },
    )
    expect(updated.status).toBe(200)
    expect(updated.body).toMatchObject({ name: 'Second', new_x2crmid: '12' })
    expect(api.sim.rows('account')).toHaveLength(1)
    const read = await api.call('GET', "accounts(new_x2crmid='12')?$select=name")
    expect(read.body).toMatchObject({ name: 'Second' })
    expect((await api.call('DELETE', "accounts(new_x2crmid='12')")).status).toBe(204)
    expect(api.sim.rows('account')).toHaveLength(0)
  })

  // https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api#limit-upsert-operations
  it('If-Match: * makes it update-only (404 when no row has the key), If-None-Match: * create-only (412)', async () => {
    const api = await withX2crmKey()
    const missing = await api.call('PATCH', "accounts(new_x2crmid='7')", { name: 'A' }, { 'if-match': '*' })
    expect(missing.status).toBe(404)
    expect((await api.call('PATCH', "accounts(new_x2crmid='7')", { name: 'A' })).status).toBe(204)
    const again = await api.call(
      'PATCH',
      "accounts(new_x2crmid='7')",
      { name: 'B' },
      { 'if-none-match': '*' },
    )
    expect(again.status).toBe(412)
    expect(errorOf(again).message).toBe('A record with matching key values already exists.')
  })

  it('refuses a value of the wrong type for the key column and a column that is no key', async () => {
    const api = await withX2crmKey()
    const unquoted = await api.call('PATCH', 'accounts(new_x2crmid=12)', { name: 'A' })
    expect(unquoted.status).toBe(400)
    expect(errorOf(unquoted).message).toContain(
      "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.account'",
    )
    const notKey = await api.call('PATCH', "accounts(name='A')", { name: 'A' })
    expect(notKey.status).toBe(400)
    expect(api.sim.rows('account')).toHaveLength(0)
  })
})
