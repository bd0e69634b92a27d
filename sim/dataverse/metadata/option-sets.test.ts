import { describe, expect, it } from 'vitest'
import { connect, errorOf } from '../test-helpers.ts'

const label = (text: string) => ({ LocalizedLabels: [{ Label: text, LanguageCode: 1033 }] })

async function withColors() {
  const api = await connect()
  const created = await api.call('POST', 'GlobalOptionSetDefinitions', {
    '@odata.type': 'Microsoft.Dynamics.CRM.OptionSetMetadata',
    Name: 'new_colors',
    DisplayName: label('Colors'),
    IsGlobal: true,
    OptionSetType: 'Picklist',
    Options: [{ Label: label('Red') }, { Value: 100000005, Label: label('Blue') }],
  })
  expect(created.status).toBe(204)
  const id = /GlobalOptionSetDefinitions\(([0-9a-f-]{36})\)$/.exec(
    created.headers.get('odata-entityid') ?? '',
  )?.[1]
  if (!id) throw new Error('no OData-EntityId')
  return { api, id }
}

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-update-optionsets
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query-metadata-web-api
describe('GlobalOptionSetDefinitions', () => {
  it('creates a global choice, lists it and reads it by id and by Name', async () => {
    const { api, id } = await withColors()
    const list = await api.call('GET', 'GlobalOptionSetDefinitions?$select=Name')
    expect((list.body as { value: unknown[] }).value).toEqual([
      { '@odata.type': '#Microsoft.Dynamics.CRM.OptionSetMetadata', MetadataId: id, Name: 'new_colors' },
    ])
    const byName = await api.call('GET', "GlobalOptionSetDefinitions(Name='new_colors')")
    expect(byName.body).toMatchObject({
      Name: 'new_colors',
      IsGlobal: true,
      Options: [
        { Value: 100000000, Label: { UserLocalizedLabel: { Label: 'Red' } } },
        { Value: 100000005, Label: { UserLocalizedLabel: { Label: 'Blue' } } },
      ],
    })
    expect((await api.call('GET', `GlobalOptionSetDefinitions(${id})`)).status).toBe(200)
    expect((await api.call('GET', "GlobalOptionSetDefinitions(Name='nope')")).status).toBe(404)
  })

  it('a column bound to it takes its options, and InsertOptionValue on the set reaches the column', async () => {
    const { api, id } = await withColors()
    const column = await api.call('POST', "EntityDefinitions(LogicalName='account')/Attributes", {
      '@odata.type': 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata',
      SchemaName: 'new_Color',
      RequiredLevel: { Value: 'None' },
      'GlobalOptionSet@odata.bind': `/GlobalOptionSetDefinitions(${id})`,
    })
    expect(column.status).toBe(204)
    expect((await api.call('POST', 'accounts', { name: 'A', new_color: 100000005 })).status).toBe(204)
    expect((await api.call('POST', 'accounts', { name: 'B', new_color: 100000009 })).status).toBe(400)
    const inserted = await api.call('POST', 'InsertOptionValue', {
      OptionSetName: 'new_colors',
      Value: 100000009,
      Label: label('Green'),
    })
    expect(inserted.body).toMatchObject({ NewOptionValue: 100000009 })
    expect((await api.call('POST', 'accounts', { name: 'B', new_color: 100000009 })).status).toBe(204)
    const metadata = await api.call(
      'GET',
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='new_color')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet",
    )
    expect(metadata.body).toMatchObject({ OptionSet: { IsGlobal: true, Name: 'new_colors' } })
    const used = await api.call('DELETE', `GlobalOptionSetDefinitions(${id})`)
    expect(used.status).toBe(400)
    expect(errorOf(used).code).toBe('0x8004f01f')
  })

  it('needs the publisher prefix and a unique name; deletes an unused one', async () => {
    const { api, id } = await withColors()
    const unprefixed = await api.call('POST', 'GlobalOptionSetDefinitions', { Name: 'colors', Options: [] })
    expect(unprefixed.status).toBe(400)
    expect(errorOf(unprefixed).code).toBe('0x80044366')
    const again = await api.call('POST', 'GlobalOptionSetDefinitions', { Name: 'new_colors', Options: [] })
    expect(again.status).toBe(400)
    expect((await api.call('DELETE', `GlobalOptionSetDefinitions(${id})`)).status).toBe(204)
    expect((await api.call('GET', 'GlobalOptionSetDefinitions')).body).toMatchObject({ value: [] })
  })
})
