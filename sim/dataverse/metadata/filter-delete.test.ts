import { describe, expect, it } from 'vitest'
import { connect, errorOf } from '../test-helpers.ts'

const stringColumn = (schemaName: string) => ({
  '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
  SchemaName: schemaName,
  RequiredLevel: { Value: 'None' },
  MaxLength: 100,
})

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query-metadata-web-api#filter-metadata
describe('$filter on metadata collections', () => {
  it('keeps the attributes of one type (enum literal) and composes with $select', async () => {
    const api = await connect()
    const result = await api.call(
      'GET',
      "EntityDefinitions(LogicalName='account')/Attributes?$select=LogicalName,AttributeType&$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'",
    )
    expect(result.status).toBe(200)
    const value = (result.body as { value: { LogicalName: string; AttributeType: string }[] }).value
    expect(value.length).toBeGreaterThan(3)
    expect(value.every((a) => a.AttributeType === 'Picklist')).toBe(true)
    expect(value.map((a) => a.LogicalName)).toContain('customertypecode')
    expect(value.map((a) => a.LogicalName)).not.toContain('name')
  })

  it('filters on booleans and names; an unknown property is 400', async () => {
    const api = await connect()
    await api.call('POST', "EntityDefinitions(LogicalName='account')/Attributes", stringColumn('new_X2crmId'))
    const custom = await api.call(
      'GET',
      "EntityDefinitions(LogicalName='account')/Attributes?$select=LogicalName&$filter=IsCustomAttribute eq true",
    )
    expect((custom.body as { value: { LogicalName: string }[] }).value.map((a) => a.LogicalName)).toEqual([
      'new_x2crmid',
    ])
    const tables = await api.call(
      'GET',
      "EntityDefinitions?$select=LogicalName,EntitySetName&$filter=LogicalName eq 'contact'",
    )
    expect((tables.body as { value: unknown[] }).value).toEqual([
      expect.objectContaining({ LogicalName: 'contact', EntitySetName: 'contacts' }),
    ])
    const bad = await api.call('GET', "EntityDefinitions(LogicalName='account')/Attributes?$filter=Nope eq 1")
    expect(bad.status).toBe(400)
    expect(errorOf(bad).message).toBe(
      "Could not find a property named 'Nope' on type 'Microsoft.Dynamics.CRM.AttributeMetadata'.",
    )
  })
})

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-update-column-definitions-using-web-api
describe('DELETE an attribute', () => {
  it('deletes a custom column (204), after which it is neither readable nor writable', async () => {
    const api = await connect()
    await api.call('POST', "EntityDefinitions(LogicalName='account')/Attributes", stringColumn('new_X2crmId'))
    const deleted = await api.call(
      'DELETE',
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='new_x2crmid')",
    )
    expect(deleted.status).toBe(204)
    const read = await api.call(
      'GET',
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='new_x2crmid')",
    )
    expect(read.status).toBe(404)
    const write = await api.call('POST', 'accounts', { name: 'A', new_x2crmid: '1' })
    expect(write.status).toBe(400)
  })

  it('refuses a system column and a column an alternate key uses; an unknown one is 404', async () => {
    const api = await connect()
    const system = await api.call(
      'DELETE',
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')",
    )
    expect(system.status).toBe(400)
    await api.call('POST', "EntityDefinitions(LogicalName='account')/Attributes", stringColumn('new_X2crmId'))
    await api.call('POST', "EntityDefinitions(LogicalName='account')/Keys", {
      SchemaName: 'new_account_x2crmid_key',
      KeyAttributes: ['new_x2crmid'],
    })
    const keyed = await api.call(
      'DELETE',
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='new_x2crmid')",
    )
    expect(keyed.status).toBe(400)
    expect(errorOf(keyed).code).toBe('0x8004f01f')
    const unknown = await api.call(
      'DELETE',
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='nope')",
    )
    expect(unknown.status).toBe(404)
  })
})
