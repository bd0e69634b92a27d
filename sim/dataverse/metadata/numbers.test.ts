import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom } from '../test-helpers.ts'

const attribute = async (api: Awaited<ReturnType<typeof connect>>, table: string, column: string) =>
  (
    await api.call(
      'GET',
      `EntityDefinitions(LogicalName='${table}')/Attributes(LogicalName='${column}')?$select=MinValue,MaxValue,Precision`,
    )
  ).body as Record<string, unknown>

describe('MinValue, MaxValue and Precision of number columns', () => {
  // https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/account#BKMK_Revenue
  // https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/product#BKMK_Price
  it('reports the documented bounds of standard columns', async () => {
    const api = await connect()
    expect(await attribute(api, 'account', 'revenue')).toMatchObject({
      MinValue: 0,
      MaxValue: 100_000_000_000_000,
      Precision: 2,
    })
    expect(await attribute(api, 'account', 'numberofemployees')).toMatchObject({
      MinValue: 0,
      MaxValue: 1_000_000_000,
    })
    expect(await attribute(api, 'product', 'price')).toMatchObject({
      MinValue: 0,
      MaxValue: 1_000_000_000_000,
    })
  })

  // https://learn.microsoft.com/en-us/dotnet/api/microsoft.xrm.sdk.metadata.moneyattributemetadata
  // https://learn.microsoft.com/en-us/dotnet/api/microsoft.xrm.sdk.metadata.decimalattributemetadata
  it('gives a new column without bounds the documented type defaults', async () => {
    const api = await connect()
    for (const [type, schemaName] of [
      ['MoneyAttributeMetadata', 'new_Budget'],
      ['DecimalAttributeMetadata', 'new_Rate'],
      ['IntegerAttributeMetadata', 'new_Count'],
    ]) {
      const created = await api.call('POST', "EntityDefinitions(LogicalName='account')/Attributes", {
        '@odata.type': `Microsoft.Dynamics.CRM.${type}`,
        SchemaName: schemaName,
        RequiredLevel: { Value: 'None' },
      })
      expect(created.status).toBe(204)
    }
    expect(await attribute(api, 'account', 'new_budget')).toMatchObject({
      MinValue: -922_337_203_685_477,
      MaxValue: 922_337_203_685_477,
      Precision: 2,
    })
    expect(await attribute(api, 'account', 'new_rate')).toMatchObject({
      MinValue: -100_000_000_000,
      MaxValue: 100_000_000_000,
      Precision: 2,
    })
    expect(await attribute(api, 'account', 'new_count')).toMatchObject({
      MinValue: -2_147_483_648,
      MaxValue: 2_147_483_647,
    })
    // and refuses writes past them
    const over = await api.call('POST', 'accounts', { name: 'A', new_rate: 100_000_000_001 })
    expect(over.status).toBe(400)
    expect(errorOf(over).code).toBe('0x80044331')
  })
})

describe('writes outside a column’s range', () => {
  it('refuses them on create and update with the validation error; bounds themselves are valid', async () => {
    const api = await connect()
    const negative = await api.call('POST', 'accounts', { name: 'A', revenue: -1 })
    expect(negative.status).toBe(400)
    expect(errorOf(negative)).toEqual({
      code: '0x80044331',
      message:
        "A validation error occurred.  The value -1 of 'revenue' on record of type 'account' is outside the valid range.",
    })
    const id = idFrom(
      await api.call('POST', 'accounts', { name: 'A', revenue: 0, numberofemployees: 1_000_000_000 }),
    )
    const tooMany = await api.call('PATCH', `accounts(${id})`, { numberofemployees: 1_000_000_001 })
    expect(tooMany.status).toBe(400)
    expect(errorOf(tooMany).code).toBe('0x80044331')
    const price = await api.call('POST', 'products', { name: 'P', productnumber: 'P-1', price: -0.01 })
    expect(price.status).toBe(400)
    expect(errorOf(price).message).toContain("'price' on record of type 'product'")
    expect(api.sim.rows('account')).toEqual([
      expect.objectContaining({ revenue: 0, numberofemployees: 1_000_000_000 }),
    ])
  })
})
