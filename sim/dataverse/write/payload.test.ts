import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom } from '../test-helpers.ts'

const missing = '0badf00d-0000-4000-8000-000000000001'
const payloadPrefix = (set: string) =>
  `Error identified in Payload provided by the user for Entity :'${set}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ----> InnerException : Microsoft.OData.ODataException: `

// Validation codes and messages: webapi.md §2.5–§2.7.
describe('write validation', () => {
  it('rejects an unknown column with 400 0x80048d19 and the OData message', async () => {
    const api = await connect()
    const result = await api.call('POST', 'accounts', { name: 'A', nope: 1 })
    expect(result.status).toBe(400)
    expect(result.headers.get('content-type')).toBe('application/json; odata.metadata=minimal')
    expect(errorOf(result)).toEqual({
      code: '0x80048d19',
      message: `${payloadPrefix('accounts')}The property 'nope' does not exist on type 'Microsoft.Dynamics.CRM.account'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
    })
  })

  it('rejects a string longer than MaxLength with 0x80044331 (webapi.md §2.7 [D])', async () => {
    const api = await connect()
    const result = await api.call('POST', 'tasks', { subject: 'x'.repeat(201) })
    expect(result.status).toBe(400)
    expect(errorOf(result)).toEqual({
      code: '0x80044331',
      message:
        "A validation error occurred.  The length of the 'subject' attribute of the 'task' entity exceeded the maximum allowed length of '200'.",
    })
    expect((await api.call('POST', 'tasks', { subject: 'x'.repeat(200) })).status).toBe(204)
  })

  it('checks Memo lengths too', async () => {
    const api = await connect()
    const result = await api.call('POST', 'accounts', { description: 'x'.repeat(2001) })
    expect(errorOf(result).message).toContain(
      "The length of the 'description' attribute of the 'account' entity exceeded the maximum allowed length of '2000'.",
    )
  })

  it('rejects a choice value outside the option set', async () => {
    const api = await connect()
    const result = await api.call('POST', 'accounts', { name: 'A', industrycode: 999 })
    expect(result.status).toBe(400)
    expect(errorOf(result)).toEqual({
      code: '0x80044331',
      message:
        "A validation error occurred.  The value 999 of 'industrycode' on record of type 'account' is outside the valid range.",
    })
  })

  it('rejects a statuscode that does not belong to the statecode (0x80048408)', async () => {
    const api = await connect()
    // A create always starts in the default state, so statecode 1 + statuscode 2 fails like in the community report.
    const created = await api.call('POST', 'accounts', { name: 'A', statecode: 1, statuscode: 2 })
    expect(created.status).toBe(400)
    expect(errorOf(created).code).toBe('0x80048408')
    expect(errorOf(created).message).toMatch(
      /^2 is not a valid status code for state code AccountState\.Active on account with Id [0-9a-f-]{36}\.$/,
    )

    const id = idFrom(await api.call('POST', 'leads', { lastname: 'L' }))
    const bad = await api.call('PATCH', `leads(${id})`, { statecode: 1, statuscode: 4 })
    expect(errorOf(bad).message).toBe(
      `4 is not a valid status code for state code LeadState.Qualified on lead with Id ${id}.`,
    )
    expect((await api.call('PATCH', `leads(${id})`, { statecode: 2, statuscode: 4 })).status).toBe(204)
    expect(api.sim.rows('lead')[0]).toMatchObject({ statecode: 2, statuscode: 4 })
    // statecode alone takes that state's default status reason
    await api.call('PATCH', `leads(${id})`, { statecode: 0 })
    expect(api.sim.rows('lead')[0]).toMatchObject({ statecode: 0, statuscode: 1 })
  })

  it('rejects an unknown navigation property (case-sensitive) with 0x80048d19', async () => {
    const api = await connect()
    const account = idFrom(await api.call('POST', 'accounts', { name: 'A' }))
    for (const nav of ['parentcustomerid', 'ParentCustomerId_Account']) {
      const result = await api.call('POST', 'contacts', {
        lastname: 'L',
        [`${nav}@odata.bind`]: `/accounts(${account})`,
      })
      expect(result.status).toBe(400)
      expect(errorOf(result)).toEqual({
        code: '0x80048d19',
        message: `${payloadPrefix('contacts')}An undeclared property '${nav}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`,
      })
    }
  })

  it('binds polymorphic and owner lookups through their navigation properties', async () => {
    const api = await connect()
    const account = idFrom(await api.call('POST', 'accounts', { name: 'A' }))
    const team = '7e000000-0000-4000-8000-000000000001'
    api.sim.seed('team', [{ teamid: team, name: 'Sales' }])
    const contact = await api.call('POST', 'contacts', {
      lastname: 'L',
      'parentcustomerid_account@odata.bind': `accounts(${account})`,
      'ownerid@odata.bind': `https://127.0.0.1/api/data/v9.2/teams(${team})`,
    })
    expect(contact.status).toBe(204)
    expect(api.sim.rows('contact')[0]).toMatchObject({
      _parentcustomerid_value: account,
      '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
      _ownerid_value: team,
      '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'team',
      _owningteam_value: team,
      _owninguser_value: null,
    })
  })

  it('answers a bind to a missing row with 404 0x80040217', async () => {
    const api = await connect()
    const result = await api.call('POST', 'contacts', {
      lastname: 'L',
      'parentcustomerid_account@odata.bind': `/accounts(${missing})`,
    })
    expect(result.status).toBe(404)
    expect(errorOf(result)).toEqual({
      code: '0x80040217',
      message: `account With Id = ${missing} Does Not Exist`,
    })
  })

  it.each([['parentcustomerid'], ['_parentcustomerid_value']])(
    'rejects writing a lookup as %s',
    async (key) => {
      const api = await connect()
      const account = idFrom(await api.call('POST', 'accounts', { name: 'A' }))
      const result = await api.call('POST', 'contacts', { lastname: 'L', [key]: account })
      expect(result.status).toBe(400)
      expect(errorOf(result)).toEqual({
        code: '0x80048d19',
        message: `${payloadPrefix('contacts')}CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.`,
      })
    },
  )

  it.each([
    [
      'string for an Integer',
      { numberofemployees: 'ten' },
      "Cannot convert the literal 'ten' to the expected type 'Edm.Int32'.",
    ],
    [
      'decimal for an Integer',
      { numberofemployees: 1.5 },
      "Cannot convert the literal '1.5' to the expected type 'Edm.Int32'.",
    ],
    [
      'string for Money',
      { revenue: '5' },
      "Cannot convert the literal '5' to the expected type 'Edm.Decimal'.",
    ],
    [
      'number for a Boolean',
      { creditonhold: 1 },
      "Cannot convert the literal '1' to the expected type 'Edm.Boolean'.",
    ],
    [
      'number for a String',
      { name: 5 },
      "Cannot convert a primitive value to the expected type 'Edm.String'. See the inner exception for more details.",
    ],
    ['bad DateTime', { lastusedincampaign: 'yesterday' }, ''],
  ])('rejects a %s with 400 0x80048d19', async (_name, body, inner) => {
    const api = await connect()
    const result = await api.call('POST', 'accounts', body)
    expect(result.status).toBe(400)
    expect(errorOf(result).code).toBe('0x80048d19')
    expect(errorOf(result).message).toContain(inner)
  })

  it('ignores read-only columns silently (webapi.md §2.1 [D])', async () => {
    const api = await connect()
    const created = await api.call('POST', 'contacts', {
      lastname: 'Lee',
      firstname: 'Ann',
      fullname: 'ignored',
      createdon: '2000-01-01T00:00:00Z',
    })
    expect(created.status).toBe(204)
    expect(api.sim.rows('contact')[0]).toMatchObject({ fullname: 'Ann Lee' })
    expect(api.sim.rows('contact')[0]?.createdon).not.toBe('2000-01-01T00:00:00Z')
  })

  it('enforces SystemRequired columns the platform does not fill, on create and against null', async () => {
    const api = await connect()
    const result = await api.call('POST', 'products', { name: 'Widget' })
    expect(result.status).toBe(400)
    expect(errorOf(result).message).toContain("'productnumber'")
    const id = idFrom(await api.call('POST', 'products', { name: 'Widget', productnumber: 'W-1' }))
    const cleared = await api.call('PATCH', `products(${id})`, { productnumber: null })
    expect(cleared.status).toBe(400)
    // ApplicationRequired (account.name) is enforced by forms only, not by the Web API (README).
    expect((await api.call('POST', 'accounts', {})).status).toBe(204)
    // Auto-numbered / defaulted SystemRequired columns may be omitted (README).
    expect((await api.call('POST', 'quotes', { name: 'Q' })).status).toBe(204)
  })

  it('rejects an @odata.type for another table', async () => {
    const api = await connect()
    const result = await api.call('POST', 'accounts', {
      '@odata.type': 'Microsoft.Dynamics.CRM.contact',
      name: 'A',
    })
    expect(result.status).toBe(400)
    expect(errorOf(result).code).toBe('0x80048d19')
  })
})
