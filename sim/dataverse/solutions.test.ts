import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom } from './test-helpers.ts'

const column = (
  schemaName: string,
  type = 'StringAttributeMetadata',
  extra: Record<string, unknown> = {},
) => ({
  '@odata.type': `Microsoft.Dynamics.CRM.${type}`,
  SchemaName: schemaName,
  RequiredLevel: { Value: 'None' },
  ...(type === 'StringAttributeMetadata' ? { MaxLength: 100 } : {}),
  ...extra,
})

async function withSolution() {
  const api = await connect()
  const publisher = idFrom(
    await api.call('POST', 'publishers', {
      uniquename: 'x2d365publisher',
      friendlyname: 'x2d365',
      customizationprefix: 'xd',
      customizationoptionvalueprefix: 72700,
    }),
  )
  const solution = await api.call('POST', 'solutions', {
    uniquename: 'x2d365',
    friendlyname: 'x2d365 migration',
    version: '1.0.0.0',
    'publisherid@odata.bind': `publishers(${publisher})`,
  })
  expect(solution.status).toBe(204)
  return api
}

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-update-entity-definitions-using-web-api
// (MSCRM.SolutionUniqueName; the publisher's customization prefix)
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/publisher
describe('solutions and publishers', () => {
  it('a write into a named solution needs that solution’s publisher prefix and uses its option value prefix', async () => {
    const api = await withSolution()
    const headers = { 'MSCRM.SolutionUniqueName': 'x2d365' }
    const path = "EntityDefinitions(LogicalName='account')/Attributes"
    expect((await api.call('POST', path, column('xd_LegacyId'), headers)).status).toBe(204)
    const other = await api.call('POST', path, column('new_LegacyId'), headers)
    expect(other.status).toBe(400)
    expect(errorOf(other).code).toBe('0x80044366')
    const choice = await api.call(
      'POST',
      path,
      column('xd_Tier', 'PicklistAttributeMetadata', {
        OptionSet: { Options: [{ Label: { LocalizedLabels: [{ Label: 'Gold', LanguageCode: 1033 }] } }] },
      }),
      headers,
    )
    expect(choice.status).toBe(204)
    const tier = await api.call(
      'GET',
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='xd_tier')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet",
    )
    expect(tier.body).toMatchObject({ OptionSet: { Options: [{ Value: 727000000 }] } })
  })

  it('without the header, writes go to the Default solution and its publisher prefix (new_)', async () => {
    const api = await withSolution()
    const path = "EntityDefinitions(LogicalName='account')/Attributes"
    expect((await api.call('POST', path, column('new_LegacyId'))).status).toBe(204)
    expect((await api.call('POST', path, column('xd_Other'))).status).toBe(400)
    const defaults = await api.call('GET', "solutions?$select=uniquename&$filter=uniquename eq 'Default'")
    expect((defaults.body as { value: unknown[] }).value).toHaveLength(1)
  })

  it('refuses a misspelled solution name and an invalid publisher prefix', async () => {
    const api = await withSolution()
    const misspelled = await api.call(
      'POST',
      "EntityDefinitions(LogicalName='account')/Attributes",
      column('xd_LegacyId'),
      { 'MSCRM.SolutionUniqueName': 'x2d356' },
    )
    expect(misspelled.status).toBe(404)
    expect(errorOf(misspelled).message).toContain('x2d356')
    for (const prefix of ['mscrmx', '1ab', 'a', 'toolongprefix']) {
      const publisher = await api.call('POST', 'publishers', {
        uniquename: `p${prefix}`,
        friendlyname: 'P',
        customizationprefix: prefix,
        customizationoptionvalueprefix: 10001,
      })
      expect(publisher.status).toBe(400)
    }
  })
})
