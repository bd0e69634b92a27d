import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom } from '../test-helpers.ts'

const formatted = 'OData.Community.Display.V1.FormattedValue'
const prefer = { prefer: `odata.include-annotations="${formatted}"` }

async function accounts() {
  const api = await connect({ clock: () => Date.UTC(2023, 2, 25, 17, 42, 47) })
  const rows = [
    { name: 'A', revenue: 100000, accountcategorycode: 1 },
    { name: 'B', revenue: 300000, accountcategorycode: 1 },
    { name: 'C', revenue: 30000 },
    { name: 'D', revenue: 10000 },
  ]
  const ids = []
  for (const row of rows) ids.push(idFrom(await api.call('POST', 'accounts', row)))
  await api.call('PATCH', `accounts(${ids[3]})`, { statecode: 1, statuscode: 2 })
  return api
}

const values = (result: { body: unknown }) => (result.body as { value: Record<string, unknown>[] }).value

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/aggregate-data
describe('$apply', () => {
  it('groupby((statuscode),aggregate($count as count)) counts per status, with formatted values', async () => {
    const api = await accounts()
    const result = await api.call(
      'GET',
      'accounts?$apply=groupby((statuscode),aggregate($count as count))',
      undefined,
      prefer,
    )
    expect(result.status).toBe(200)
    expect(result.body).toEqual({
      '@odata.context': 'https://127.0.0.1/api/data/v9.2/$metadata#accounts',
      value: [
        { [`statuscode@${formatted}`]: 'Active', statuscode: 1, [`count@${formatted}`]: '3', count: 3 },
        { [`statuscode@${formatted}`]: 'Inactive', statuscode: 2, [`count@${formatted}`]: '1', count: 1 },
      ],
    })
  })

  it('aggregate(revenue with sum as total) and sums per group, formatted as money', async () => {
    const api = await accounts()
    const total = await api.call(
      'GET',
      'accounts?$apply=aggregate(revenue with sum as total)',
      undefined,
      prefer,
    )
    expect(values(total)).toEqual([{ [`total@${formatted}`]: '$440,000.00', total: 440000 }])
    const perStatus = await api.call(
      'GET',
      'accounts?$apply=groupby((statuscode),aggregate(revenue with sum as total,revenue with average as averagevalue))',
    )
    expect(values(perStatus)).toEqual([
      { statuscode: 1, total: 430000, averagevalue: 430000 / 3 },
      { statuscode: 2, total: 10000, averagevalue: 10000 },
    ])
  })

  it('distinct values with groupby leave out empty ones; filter() narrows first; max of a date', async () => {
    const api = await accounts()
    const distinct = await api.call('GET', 'accounts?$apply=groupby((statecode,accountcategorycode))')
    expect(values(distinct)).toEqual([
      { statecode: 0, accountcategorycode: 1 },
      { statecode: 0 },
      { statecode: 1 },
    ])
    const filtered = await api.call(
      'GET',
      "accounts?$apply=filter(name ne 'A')/aggregate($count as n,createdon with max as lastCreate)",
      undefined,
      prefer,
    )
    expect(values(filtered)).toEqual([
      {
        [`n@${formatted}`]: '3',
        n: 3,
        [`lastCreate@${formatted}`]: '3/25/2023 5:42 PM',
        lastCreate: '2023-03-25T17:42:47Z',
      },
    ])
  })

  it('refuses unknown columns and says what it does not simulate', async () => {
    const api = await accounts()
    const unknown = await api.call('GET', 'accounts?$apply=groupby((nope))')
    expect(unknown.status).toBe(400)
    expect(errorOf(unknown).message).toBe(
      "Could not find a property named 'nope' on type 'Microsoft.Dynamics.CRM.account'.",
    )
    const related = await api.call('GET', 'accounts?$apply=groupby((primarycontactid/fullname))')
    expect(related.status).toBe(400)
    expect(errorOf(related).message).toContain('not supported by the simulator')
  })
})
