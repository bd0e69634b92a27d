import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom } from '../test-helpers.ts'

// Actions and migration specifics: webapi.md §7 and
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/winopportunity
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/addmemberlist
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/publishproducthierarchy

describe('WinOpportunity / LoseOpportunity (webapi.md §7.4)', () => {
  it('creates the opportunityclose and sets Won (1) with the given Status', async () => {
    const api = await connect()
    const id = idFrom(await api.call('POST', 'opportunities', { name: 'Deal' }))
    const result = await api.call('POST', 'WinOpportunity', {
      Status: 3,
      OpportunityClose: {
        subject: 'Won',
        'opportunityid@odata.bind': `/opportunities(${id})`,
        actualrevenue: 75000,
        actualend: '2024-03-10',
      },
    })
    expect(result.status).toBe(204)
    expect(api.sim.rows('opportunity')[0]).toMatchObject({ statecode: 1, statuscode: 3 })
    expect(api.sim.rows('opportunityclose')).toEqual([
      expect.objectContaining({
        subject: 'Won',
        _opportunityid_value: id,
        actualrevenue: 75000,
        actualend: '2024-03-10',
      }),
    ])
    const again = await api.call('POST', 'WinOpportunity', {
      Status: 3,
      OpportunityClose: { subject: 'Won', 'opportunityid@odata.bind': `/opportunities(${id})` },
    })
    expect(again.status).toBe(400)
    expect(errorOf(again).message).toContain('is already closed')
  })

  it('a closed opportunity is read-only until reopened: statecode 0 with statuscode 1 reopens it, with other columns', async () => {
    // https://learn.microsoft.com/en-us/troubleshoot/dynamics-365/sales/troubleshoot-opportunities-issues: "When you
    // close an opportunity, the opportunity is marked as complete, and can't be changed. To make further changes to an
    // opportunity, you can reopen it."
    const api = await connect()
    const id = idFrom(await api.call('POST', 'opportunities', { name: 'Deal' }))
    await api.call('POST', 'WinOpportunity', {
      Status: 3,
      OpportunityClose: { subject: 'Won', 'opportunityid@odata.bind': `/opportunities(${id})` },
    })
    const edit = await api.call('PATCH', `opportunities(${id})`, { name: 'Deal, renamed' })
    expect(edit.status).toBe(400)
    expect(errorOf(edit).message).toContain('is closed and cannot be changed')
    expect(api.sim.rows('opportunity')[0]).toMatchObject({ name: 'Deal', statecode: 1 })
    const reopen = await api.call('PATCH', `opportunities(${id})`, {
      statecode: 0,
      statuscode: 1,
      name: 'Deal 2',
    })
    expect(reopen.status).toBe(204)
    expect(api.sim.rows('opportunity')[0]).toMatchObject({ name: 'Deal 2', statecode: 0, statuscode: 1 })
  })

  it('LoseOpportunity sets Lost (2); a Status of another state is refused and nothing changes', async () => {
    const api = await connect()
    const id = idFrom(await api.call('POST', 'opportunities', { name: 'Deal' }))
    const wrong = await api.call('POST', 'LoseOpportunity', {
      Status: 3,
      OpportunityClose: { subject: 'Lost', 'opportunityid@odata.bind': `/opportunities(${id})` },
    })
    expect(wrong.status).toBe(400)
    expect(errorOf(wrong)).toEqual({
      code: '0x80048408',
      message: `3 is not a valid status code for state code OpportunityState.Lost on opportunity with Id ${id}.`,
    })
    expect(api.sim.rows('opportunityclose')).toEqual([])
    const lost = await api.call('POST', 'LoseOpportunity', {
      Status: 5,
      OpportunityClose: { subject: 'Lost', 'opportunityid@odata.bind': `/opportunities(${id})` },
    })
    expect(lost.status).toBe(204)
    expect(api.sim.rows('opportunity')[0]).toMatchObject({ statecode: 2, statuscode: 5 })
  })
})

describe('bound actions', () => {
  it('AddMemberList adds a member of the list type and returns the listmember id', async () => {
    const api = await connect()
    const list = idFrom(await api.call('POST', 'lists', { listname: 'L', createdfromcode: 2 }))
    const contact = idFrom(await api.call('POST', 'contacts', { lastname: 'Lee' }))
    const result = await api.call('POST', `lists(${list})/Microsoft.Dynamics.CRM.AddMemberList`, {
      EntityId: contact,
    })
    expect(result.status).toBe(200)
    const body = result.body as { '@odata.context': string; id: string }
    expect(body['@odata.context']).toBe(
      'https://127.0.0.1/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.AddMemberListResponse',
    )
    expect(api.sim.rows('listmember')).toEqual([
      expect.objectContaining({
        listmemberid: body.id,
        _listid_value: list,
        _entityid_value: contact,
        entitytype: 2,
      }),
    ])
    const account = idFrom(await api.call('POST', 'accounts', { name: 'A' }))
    const wrongType = await api.call('POST', `lists(${list})/Microsoft.Dynamics.CRM.AddMemberList`, {
      EntityId: account,
    })
    expect(wrongType.status).toBe(404)
    expect(errorOf(wrongType).message).toBe(`contact With Id = ${account} Does Not Exist`)
  })

  it('products start in Draft; PublishProductHierarchy makes them Active', async () => {
    const api = await connect()
    const product = idFrom(await api.call('POST', 'products', { name: 'P', productnumber: 'P-1' }))
    expect(api.sim.rows('product')[0]).toMatchObject({ statecode: 2, statuscode: 0 })
    const result = await api.call(
      'POST',
      `products(${product})/Microsoft.Dynamics.CRM.PublishProductHierarchy`,
    )
    expect(result.status).toBe(204)
    expect(api.sim.rows('product')[0]).toMatchObject({ statecode: 0, statuscode: 1 })
  })

  it('changes state with PATCH statecode/statuscode', async () => {
    const api = await connect()
    const task = idFrom(await api.call('POST', 'tasks', { subject: 'T' }))
    expect((await api.call('PATCH', `tasks(${task})`, { statecode: 1, statuscode: 5 })).status).toBe(204)
    expect(api.sim.rows('task')[0]).toMatchObject({ statecode: 1, statuscode: 5 })
  })
})

describe('migration columns and headers (webapi.md §7.1, §7.2, §7.6)', () => {
  it('overriddencreatedon becomes createdon on create and is ignored on update', async () => {
    const api = await connect({ clock: () => Date.UTC(2026, 0, 2, 3, 4, 5) })
    const id = idFrom(
      await api.call('POST', 'accounts', { name: 'A', overriddencreatedon: '2015-06-01T10:00:00Z' }),
    )
    expect(api.sim.rows('account')[0]).toMatchObject({
      createdon: '2015-06-01T10:00:00Z',
      overriddencreatedon: '2026-01-02T03:04:05Z',
    })
    await api.call('PATCH', `accounts(${id})`, { overriddencreatedon: '2010-01-01T00:00:00Z' })
    expect(api.sim.rows('account')[0]).toMatchObject({ createdon: '2015-06-01T10:00:00Z' })
  })

  it('CallerObjectId impersonates an existing user: owner and createdby are that user', async () => {
    const api = await connect()
    const objectId = 'aaaaaaaa-0000-4000-8000-000000000001'
    const userId = 'bbbbbbbb-0000-4000-8000-000000000002'
    api.sim.seed('systemuser', [
      { systemuserid: userId, fullname: 'Ann', azureactivedirectoryobjectid: objectId },
    ])
    const appUser = ((await api.call('GET', 'WhoAmI')).body as { UserId: string }).UserId
    expect((await api.call('POST', 'accounts', { name: 'A' }, { callerobjectid: objectId })).status).toBe(204)
    expect(api.sim.rows('account')[0]).toMatchObject({
      _ownerid_value: userId,
      _createdby_value: userId,
      _createdonbehalfby_value: appUser,
    })
    const unknown = await api.call(
      'POST',
      'accounts',
      { name: 'B' },
      { callerobjectid: 'cccccccc-0000-4000-8000-000000000003' },
    )
    expect(unknown.status).toBe(403)
    expect(errorOf(unknown).code).toBe('0x80040220')
    expect(errorOf(unknown).message).toContain('cccccccc-0000-4000-8000-000000000003')
    expect(api.sim.rows('account')).toHaveLength(1)
  })

  it('checks annotation documentbody against maxuploadfilesize on the Base64 text (0x80044a02)', async () => {
    const api = await connect({ maxUploadBytes: 8 })
    expect((await api.call('POST', 'annotations', { subject: 'ok', documentbody: 'QUJDREVG' })).status).toBe(
      204,
    )
    const big = await api.call('POST', 'annotations', { subject: 'big', documentbody: 'QUJDREVGRw==' })
    expect(big.status).toBe(400)
    expect(errorOf(big)).toEqual({ code: '0x80044a02', message: 'Attachment file size is too big.' })
    const standard = await connect()
    const fiveMb = await standard.call('POST', 'annotations', {
      subject: 'x',
      documentbody: 'A'.repeat(5_242_881),
    })
    expect(errorOf(fiveMb).code).toBe('0x80044a02')
  })
})
