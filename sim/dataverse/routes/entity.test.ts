import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom } from '../test-helpers.ts'

const guid = '6f2b7d0e-1c1a-4c53-9f4e-0a0b0c0d0e01'

// Create/update/upsert/delete semantics: webapi.md §1.4, §1.5, §2.1–§2.4 and
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-entity-web-api
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api
describe('create', () => {
  it('answers 204 with OData-EntityId', async () => {
    const api = await connect({ origin: 'https://127.0.0.1:8443' })
    const created = await api.call('POST', 'accounts', { name: 'Contoso' })
    expect(created.status).toBe(204)
    expect(created.headers.get('odata-entityid')).toMatch(
      /^https:\/\/127\.0\.0\.1:8443\/api\/data\/v9\.2\/accounts\([0-9a-f-]{36}\)$/,
    )
    expect(api.sim.rows('account')).toEqual([
      expect.objectContaining({ accountid: idFrom(created), name: 'Contoso' }),
    ])
  })

  it('answers 201 with the record for Prefer: return=representation, honouring $select', async () => {
    const api = await connect()
    const created = await api.call(
      'POST',
      'accounts?$select=name',
      { name: 'Contoso', telephone1: '555' },
      { prefer: 'return=representation' },
    )
    expect(created.status).toBe(201)
    expect(created.headers.get('preference-applied')).toBe('return=representation')
    expect(created.body).toEqual({
      '@odata.context': 'https://127.0.0.1/api/data/v9.2/$metadata#accounts(name)/$entity',
      '@odata.etag': expect.stringMatching(/^W\/"\d+"$/) as unknown,
      accountid: expect.any(String) as unknown,
      name: 'Contoso',
    })
  })

  it('creates with a primary key supplied in the body; a second create with it is 412', async () => {
    const api = await connect()
    const created = await api.call('POST', 'contacts', { contactid: guid, lastname: 'Lee' })
    expect(idFrom(created)).toBe(guid)
    const again = await api.call('POST', 'contacts', { contactid: guid, lastname: 'Lee' })
    expect(again.status).toBe(412)
    expect(errorOf(again)).toEqual({
      code: '0x80040237',
      message: 'Operation failed due to a SQL integrity violation.',
    })
  })

  it('defaults ownerid to the calling app user and stamps created/modified', async () => {
    const api = await connect({ clock: () => Date.UTC(2025, 1, 3, 4, 5, 6, 789) })
    await api.call('POST', 'accounts', { name: 'A' })
    const userId = ((await api.call('GET', 'WhoAmI')).body as { UserId: string }).UserId
    expect(api.sim.rows('account')[0]).toMatchObject({
      _ownerid_value: userId,
      '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
      _owninguser_value: userId,
      _createdby_value: userId,
      createdon: '2025-02-03T04:05:06Z',
      statecode: 0,
      statuscode: 1,
    })
  })
})

describe('PATCH upsert', () => {
  it('creates (201) then updates (200) with return=representation, and 204 + OData-EntityId without', async () => {
    const api = await connect()
    const created = await api.call(
      'PATCH',
      `accounts(${guid})`,
      { name: 'A' },
      { prefer: 'return=representation' },
    )
    expect(created.status).toBe(201)
    const updated = await api.call(
      'PATCH',
      `accounts(${guid})`,
      { name: 'B' },
      { prefer: 'return=representation' },
    )
    expect(updated.status).toBe(200)
    expect(updated.headers.get('etag')).toMatch(/^W\/"\d+"$/)
    expect(updated.body).toMatchObject({ accountid: guid, name: 'B' })
    const plain = await api.call('PATCH', `accounts(${guid})`, { name: 'C' })
    expect(plain.status).toBe(204)
    expect(plain.headers.get('odata-entityid')).toBe(`https://127.0.0.1/api/data/v9.2/accounts(${guid})`)
    expect(api.sim.rows('account')).toHaveLength(1)
  })

  it('If-Match: * updates only: 404 0x80040217 when the row is missing', async () => {
    const api = await connect()
    const missing = await api.call('PATCH', `accounts(${guid})`, { name: 'A' }, { 'if-match': '*' })
    expect(missing.status).toBe(404)
    expect(errorOf(missing)).toEqual({
      code: '0x80040217',
      message: `account With Id = ${guid} Does Not Exist`,
    })
    expect(api.sim.rows('account')).toEqual([])
  })

  it('If-None-Match: * creates only: 412 when the row exists', async () => {
    const api = await connect()
    expect(
      (await api.call('PATCH', `accounts(${guid})`, { name: 'A' }, { 'if-none-match': '*' })).status,
    ).toBe(204)
    const again = await api.call('PATCH', `accounts(${guid})`, { name: 'B' }, { 'if-none-match': '*' })
    expect(again.status).toBe(412)
    expect(errorOf(again)).toEqual({
      code: '0x80040237',
      message: 'A record with matching key values already exists.',
    })
  })

  it('treats the literal If-None-Match: null as no condition (webapi.md §1.5)', async () => {
    const api = await connect()
    await api.call('PATCH', `accounts(${guid})`, { name: 'A' })
    const updated = await api.call('PATCH', `accounts(${guid})`, { name: 'B' }, { 'if-none-match': 'null' })
    expect(updated.status).toBe(204)
    const read = await api.call('GET', `accounts(${guid})?$select=name`, undefined, {
      'if-none-match': 'null',
    })
    expect(read.status).toBe(200)
    expect(read.body).toMatchObject({ name: 'B' })
  })

  it('changes the weak ETag on every write; a stale If-Match is 412', async () => {
    const api = await connect()
    await api.call('PATCH', `accounts(${guid})`, { name: 'A' })
    const first = (await api.call('GET', `accounts(${guid})`)).headers.get('etag') ?? ''
    await api.call('PATCH', `accounts(${guid})`, { name: 'B' }, { 'if-match': first })
    const second = (await api.call('GET', `accounts(${guid})`)).headers.get('etag') ?? ''
    expect(second).not.toBe(first)
    const stale = await api.call('PATCH', `accounts(${guid})`, { name: 'C' }, { 'if-match': first })
    expect(stale.status).toBe(412)
    expect(errorOf(stale).message).toBe(
      "The version of the existing record doesn't match the RowVersion property provided.",
    )
    expect((await api.call('GET', `accounts(${guid})`, undefined, { 'if-none-match': second })).status).toBe(
      304,
    )
  })
})

describe('retrieve and delete', () => {
  it('GET by id with $select returns @odata.context, @odata.etag and lookups as _x_value', async () => {
    const api = await connect()
    const account = idFrom(await api.call('POST', 'accounts', { name: 'Contoso' }))
    await api.call('PATCH', `contacts(${guid})`, {
      lastname: 'Lee',
      'parentcustomerid_account@odata.bind': `/accounts(${account})`,
    })
    const read = await api.call('GET', `contacts(${guid})?$select=lastname,_parentcustomerid_value`)
    expect(read.status).toBe(200)
    expect(read.body).toEqual({
      '@odata.context':
        'https://127.0.0.1/api/data/v9.2/$metadata#contacts(lastname,_parentcustomerid_value)/$entity',
      '@odata.etag': expect.stringMatching(/^W\/"\d+"$/) as unknown,
      contactid: guid,
      lastname: 'Lee',
      _parentcustomerid_value: account,
    })
  })

  it('GET of a missing row is 404 0x80040217', async () => {
    const api = await connect()
    const read = await api.call('GET', `leads(${guid})`)
    expect(read.status).toBe(404)
    expect(errorOf(read)).toEqual({ code: '0x80040217', message: `lead With Id = ${guid} Does Not Exist` })
  })

  it('DELETE answers 204, then 404', async () => {
    const api = await connect()
    await api.call('PATCH', `accounts(${guid})`, { name: 'A' })
    expect((await api.call('DELETE', `accounts(${guid})`)).status).toBe(204)
    const again = await api.call('DELETE', `accounts(${guid})`)
    expect(again.status).toBe(404)
    expect(errorOf(again).code).toBe('0x80040217')
  })

  it('answers an unknown entity set with 404 "Resource not found for the segment"', async () => {
    const api = await connect()
    const result = await api.call('GET', 'xyz')
    expect(result.status).toBe(404)
    expect(result.headers.get('content-type')).toBe('application/json; odata.metadata=minimal')
    expect(errorOf(result)).toEqual({
      code: '0x80060888',
      message: "Resource not found for the segment 'xyz'.",
    })
  })

  it('WhoAmI returns BusinessUnitId, UserId and OrganizationId', async () => {
    const api = await connect()
    const result = await api.call('GET', 'WhoAmI')
    expect(result.body).toEqual({
      '@odata.context': 'https://127.0.0.1/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse',
      BusinessUnitId: expect.any(String) as unknown,
      UserId: expect.any(String) as unknown,
      OrganizationId: expect.any(String) as unknown,
    })
    expect(api.sim.stats().byOperation).toEqual({ WhoAmI: 1 })
  })
})
