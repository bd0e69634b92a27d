import { describe, expect, it } from 'vitest'
import { connect, errorOf } from '../test-helpers.ts'

const a = 'a0000000-0000-4000-8000-000000000001'
const b = 'b0000000-0000-4000-8000-000000000002'
const missing = '0badf00d-0000-4000-8000-000000000001'
const account = (body: Record<string, unknown>) => ({
  '@odata.type': 'Microsoft.Dynamics.CRM.account',
  ...body,
})

// Bulk messages: webapi.md §4.1–§4.2 and
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/bulk-operations
describe('CreateMultiple / UpdateMultiple / UpsertMultiple', () => {
  it('CreateMultiple returns the Ids in Targets order', async () => {
    const api = await connect()
    const result = await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.CreateMultiple', {
      Targets: [account({ name: 'A', accountid: a }), account({ name: 'B' })],
    })
    expect(result.status).toBe(200)
    const body = result.body as { '@odata.context': string; Ids: string[] }
    expect(body['@odata.context']).toBe(
      'https://127.0.0.1/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse',
    )
    expect(body.Ids).toHaveLength(2)
    expect(body.Ids[0]).toBe(a)
    expect(api.sim.rows('account').map((r) => r.name)).toEqual(['A', 'B'])
    expect(api.sim.stats().byOperation.CreateMultiple).toBe(1)
  })

  it('UpsertMultiple creates and updates by primary key or @odata.id, answering 204', async () => {
    const api = await connect()
    await api.call('PATCH', `accounts(${a})`, { name: 'old' })
    const result = await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.UpsertMultiple', {
      Targets: [account({ accountid: a, name: 'A' }), account({ '@odata.id': `accounts(${b})`, name: 'B' })],
    })
    expect(result.status).toBe(204)
    expect(api.sim.rows('account').map((r) => [r.accountid, r.name])).toEqual([
      [a, 'A'],
      [b, 'B'],
    ])
  })

  it('UpdateMultiple answers 204 and 404 for a missing row', async () => {
    const api = await connect()
    await api.call('PATCH', `accounts(${a})`, { name: 'old' })
    expect(
      (
        await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.UpdateMultiple', {
          Targets: [account({ accountid: a, name: 'new' })],
        })
      ).status,
    ).toBe(204)
    expect(api.sim.rows('account')[0]?.name).toBe('new')
    const result = await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.UpdateMultiple', {
      Targets: [account({ accountid: missing, name: 'x' })],
    })
    expect(result.status).toBe(404)
    expect(errorOf(result)).toEqual({
      code: '0x80040217',
      message: `account With Id = ${missing} Does Not Exist`,
    })
  })

  it('is all-or-nothing: one invalid target rolls back the call with the single-request error', async () => {
    const api = await connect()
    await api.call('PATCH', `accounts(${a})`, { name: 'keep' })
    const result = await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.UpsertMultiple', {
      Targets: [account({ accountid: a, name: 'changed' }), account({ accountid: b, name: 'x'.repeat(161) })],
    })
    expect(result.status).toBe(400)
    expect(errorOf(result)).toEqual({
      code: '0x80044331',
      message:
        "A validation error occurred.  The length of the 'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'.",
    })
    expect(api.sim.rows('account').map((r) => [r.accountid, r.name])).toEqual([[a, 'keep']])

    const created = await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.CreateMultiple', {
      Targets: [
        account({ name: 'first' }),
        account({ name: 'second', 'parentaccountid@odata.bind': `/accounts(${missing})` }),
      ],
    })
    expect(created.status).toBe(404)
    expect(errorOf(created).message).toBe(`account With Id = ${missing} Does Not Exist`)
    expect(api.sim.rows('account')).toHaveLength(1)
  })

  it('requires @odata.type on every target', async () => {
    const api = await connect()
    const result = await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.CreateMultiple', {
      Targets: [account({ name: 'A' }), { name: 'B' }],
    })
    expect(result.status).toBe(400)
    expect(errorOf(result).code).toBe('0x80048d19')
    expect(errorOf(result).message).toContain("'@odata.type'")
    expect(api.sim.rows('account')).toEqual([])
  })

  it('requires the primary key (or @odata.id) on Update/Upsert targets', async () => {
    const api = await connect()
    const result = await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.UpsertMultiple', {
      Targets: [account({ name: 'A' })],
    })
    expect(result.status).toBe(400)
    expect(errorOf(result).message).toContain("'accountid' or '@odata.id'")
  })

  it('rejects duplicate keys in UpsertMultiple and CreateMultiple; UpdateMultiple applies the first', async () => {
    const api = await connect()
    const upsert = await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.UpsertMultiple', {
      Targets: [account({ accountid: a, name: '1' }), account({ accountid: a, name: '2' })],
    })
    expect(upsert.status).toBe(400)
    expect(errorOf(upsert).message).toContain(`accountid = ${a}`)
    const create = await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.CreateMultiple', {
      Targets: [account({ accountid: a, name: '1' }), account({ accountid: a, name: '2' })],
    })
    expect(create.status).toBe(412)
    expect(errorOf(create).code).toBe('0x80040237')
    expect(api.sim.rows('account')).toEqual([])

    await api.call('PATCH', `accounts(${a})`, { name: '0' })
    const update = await api.call('POST', 'accounts/Microsoft.Dynamics.CRM.UpdateMultiple', {
      Targets: [account({ accountid: a, name: '1' }), account({ accountid: a, name: '2' })],
    })
    expect(update.status).toBe(204)
    expect(api.sim.rows('account')[0]?.name).toBe('1')
  })

  it.each([['emails'], ['annotations'], ['listmembers'], ['productpricelevels']])(
    'is not available for %s (webapi.md §4.2)',
    async (set) => {
      const api = await connect()
      const result = await api.call('POST', `${set}/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [] })
      expect(result.status).toBe(400)
      expect(errorOf(result)).toEqual({
        code: '0x80040800',
        message: `The 'CreateMultiple' method does not support entities of type '${set.slice(0, -1)}'. MessageProcessorCache returned MessageProcessor.Empty. `,
      })
    },
  )
})
