import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom } from '../test-helpers.ts'

// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/winquote
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/closequote
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/addmembersteam
// https://learn.microsoft.com/dynamics365/sales/add-products-quotes-orders-invoices

describe('WinQuote / CloseQuote', () => {
  it('wins only an active quote: Draft is refused, Active → Won (2) with a quoteclose', async () => {
    const api = await connect()
    const id = idFrom(await api.call('POST', 'quotes', { name: 'Q' }))
    const close = { subject: 'Won', 'quoteid@odata.bind': `/quotes(${id})` }
    const draft = await api.call('POST', 'WinQuote', { Status: 4, QuoteClose: close })
    expect(draft.status).toBe(400)
    expect(errorOf(draft).message).toContain('is not active')
    expect(api.sim.rows('quoteclose')).toEqual([])
    expect((await api.call('PATCH', `quotes(${id})`, { statecode: 1, statuscode: 2 })).status).toBe(204)
    expect((await api.call('POST', 'WinQuote', { Status: 4, QuoteClose: close })).status).toBe(204)
    expect(api.sim.rows('quote')[0]).toMatchObject({ statecode: 2, statuscode: 4 })
    expect(api.sim.rows('quoteclose')).toEqual([
      expect.objectContaining({ subject: 'Won', _quoteid_value: id }),
    ])
    const again = await api.call('POST', 'CloseQuote', { Status: 5, QuoteClose: close })
    expect(again.status).toBe(400)
  })

  it('CloseQuote sets Closed (3) with a status of that state; another state is refused', async () => {
    const api = await connect()
    const id = idFrom(await api.call('POST', 'quotes', { name: 'Q' }))
    await api.call('PATCH', `quotes(${id})`, { statecode: 1, statuscode: 2 })
    const close = { subject: 'Lost', 'quoteid@odata.bind': `/quotes(${id})` }
    const wrong = await api.call('POST', 'CloseQuote', { Status: 4, QuoteClose: close })
    expect(wrong.status).toBe(400)
    expect(errorOf(wrong).code).toBe('0x80048408')
    expect((await api.call('POST', 'CloseQuote', { Status: 5, QuoteClose: close })).status).toBe(204)
    expect(api.sim.rows('quote')[0]).toMatchObject({ statecode: 3, statuscode: 5 })
  })

  // A won or closed quote is read-only: a new draft comes only from ReviseQuote (a new revision).
  // https://learn.microsoft.com/previous-versions/dynamicscrm-2016/developers-guide/mt607543(v=crm.8)
  // http://rc.crm.dynamics.com/rc/regcont/en_us/Live/help/source_rec_delete_specialcases.htm
  it('refuses any write of a won or closed quote; an active one still takes a write', async () => {
    const api = await connect()
    const won = idFrom(await api.call('POST', 'quotes', { name: 'W' }))
    const lost = idFrom(await api.call('POST', 'quotes', { name: 'L' }))
    for (const id of [won, lost]) await api.call('PATCH', `quotes(${id})`, { statecode: 1, statuscode: 2 })
    expect((await api.call('PATCH', `quotes(${won})`, { name: 'W2' })).status).toBe(204)
    const close = (id: string) => ({ subject: 'x', 'quoteid@odata.bind': `/quotes(${id})` })
    await api.call('POST', 'WinQuote', { Status: 4, QuoteClose: close(won) })
    await api.call('POST', 'CloseQuote', { Status: 5, QuoteClose: close(lost) })
    for (const [id, word] of [
      [won, 'won'],
      [lost, 'closed'],
    ] as const) {
      for (const body of [{ name: 'changed' }, { statecode: 0, statuscode: 1 }]) {
        const refused = await api.call('PATCH', `quotes(${id})`, body)
        expect(refused.status).toBe(400)
        expect(errorOf(refused).message).toContain(`is ${word} and cannot be changed`)
      }
    }
    expect(api.sim.rows('quote').map((q) => q['name'])).toEqual(['W2', 'L'])
  })
})

describe('quotedetail of an existing product', () => {
  it('needs a unit and a quote with a price list; a write-in needs neither', async () => {
    const api = await connect()
    const product = idFrom(await api.call('POST', 'products', { name: 'P', productnumber: 'P-1' }))
    const bare = idFrom(await api.call('POST', 'quotes', { name: 'Q' }))
    const line = (quote: string, extra: Record<string, unknown>) =>
      api.call('POST', 'quotedetails', { quantity: 1, 'quoteid@odata.bind': `/quotes(${quote})`, ...extra })
    const noUnit = await line(bare, { 'productid@odata.bind': `/products(${product})` })
    expect(noUnit.status).toBe(400)
    expect(errorOf(noUnit).message).toContain('uomid')
    const schedule = idFrom(await api.call('POST', 'uomschedules', { name: 'Units', baseuomname: 'Unit' }))
    const unit = idFrom(
      await api.call('POST', 'uoms', {
        name: 'Unit',
        quantity: 1,
        'uomscheduleid@odata.bind': `/uomschedules(${schedule})`,
      }),
    )
    const noList = await line(bare, {
      'productid@odata.bind': `/products(${product})`,
      'uomid@odata.bind': `/uoms(${unit})`,
    })
    expect(noList.status).toBe(400)
    expect(errorOf(noList).message).toContain('price list')
    const writeIn = await line(bare, {
      productdescription: 'Consulting',
      priceperunit: 10,
      isproductoverridden: true,
    })
    expect(writeIn.status).toBe(204)
    expect(api.sim.rows('quotedetail')).toHaveLength(1)
  })
})

describe('AddMembersTeam', () => {
  it('adds each user once as a teammembership row; an unknown user adds nobody', async () => {
    const api = await connect()
    const me = (await api.call('GET', 'WhoAmI')).body as { UserId: string; BusinessUnitId: string }
    const team = idFrom(
      await api.call('POST', 'teams', {
        name: 'Sales',
        teamtype: 0,
        'businessunitid@odata.bind': `/businessunits(${me.BusinessUnitId})`,
        'administratorid@odata.bind': `/systemusers(${me.UserId})`,
      }),
    )
    const add = (ids: string[]) =>
      api.call('POST', `teams(${team})/Microsoft.Dynamics.CRM.AddMembersTeam`, {
        Members: ids.map((systemuserid) => ({
          '@odata.type': 'Microsoft.Dynamics.CRM.systemuser',
          systemuserid,
        })),
      })
    const unknown = await add([me.UserId, 'dddddddd-0000-4000-8000-000000000004'])
    expect(unknown.status).toBe(404)
    expect(api.sim.rows('teammembership')).toEqual([])
    expect((await add([me.UserId])).status).toBe(204)
    expect((await add([me.UserId])).status).toBe(204)
    expect(api.sim.rows('teammembership')).toEqual([
      expect.objectContaining({ teamid: team, systemuserid: me.UserId }),
    ])
    const read = await api.call('GET', `teammemberships?$filter=teamid eq ${team}`)
    expect((read.body as { value: unknown[] }).value).toHaveLength(1)
  })
})
