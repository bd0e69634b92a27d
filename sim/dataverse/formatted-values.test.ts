import { describe, expect, it } from 'vitest'
import { formatDate } from './formatted-values.ts'
import { connect, idFrom } from './test-helpers.ts'

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/select-columns#formatted-values
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/select-columns#lookup-property-data
const formatted = 'OData.Community.Display.V1.FormattedValue'

async function anAccount() {
  const api = await connect({ clock: () => Date.UTC(2023, 3, 7, 21, 59, 1) })
  const contact = idFrom(
    await api.call('POST', 'contacts', { firstname: 'Susanna', lastname: 'Stubberod (sample)' }),
  )
  const currency = api.sim.rows('transactioncurrency')[0]?.transactioncurrencyid as string
  const account = idFrom(
    await api.call('POST', 'accounts', {
      name: 'Litware, Inc. (sample)',
      revenue: 20000,
      numberofemployees: 4300,
      customertypecode: 1,
      donotemail: true,
      'primarycontactid@odata.bind': `contacts(${contact})`,
      'transactioncurrencyid@odata.bind': `transactioncurrencies(${currency})`,
    }),
  )
  return { api, account, contact }
}

describe('formatted values (Prefer: odata.include-annotations)', () => {
  it('annotates choice, lookup, money, number, yes/no and date values and says the preference applied', async () => {
    const { api, account } = await anAccount()
    const prefer = `odata.include-annotations="${formatted}"`
    const result = await api.call(
      'GET',
      `accounts(${account})?$select=name,revenue,_primarycontactid_value,customertypecode,modifiedon,numberofemployees,donotemail,_transactioncurrencyid_value`,
      undefined,
      { prefer },
    )
    expect(result.headers.get('preference-applied')).toBe(prefer)
    expect(result.body).toMatchObject({
      name: 'Litware, Inc. (sample)',
      [`revenue@${formatted}`]: '$20,000.00',
      revenue: 20000,
      [`_primarycontactid_value@${formatted}`]: 'Susanna Stubberod (sample)',
      [`customertypecode@${formatted}`]: 'Competitor',
      [`modifiedon@${formatted}`]: '4/7/2023 9:59 PM',
      [`numberofemployees@${formatted}`]: '4,300',
      [`donotemail@${formatted}`]: 'Yes',
      [`_transactioncurrencyid_value@${formatted}`]: 'US Dollar',
    })
    const body = result.body as Record<string, unknown>
    // Only the annotation asked for: no lookup annotations, none on text or the key.
    expect(Object.keys(body).filter((k) => k.includes('@Microsoft.Dynamics.CRM.'))).toEqual([])
    expect(body[`name@${formatted}`]).toBeUndefined()
    expect(body[`accountid@${formatted}`]).toBeUndefined()
  })

  it('"*" brings formatted values and the lookup annotations; no preference, no annotations', async () => {
    const { api, account, contact } = await anAccount()
    const all = await api.call('GET', `accounts?$select=name,_primarycontactid_value`, undefined, {
      prefer: 'odata.include-annotations="*",odata.maxpagesize=10',
    })
    expect(all.headers.get('preference-applied')).toBe('odata.maxpagesize=10,odata.include-annotations="*"')
    expect((all.body as { value: unknown[] }).value[0]).toEqual({
      '@odata.etag': expect.any(String) as unknown,
      name: 'Litware, Inc. (sample)',
      [`_primarycontactid_value@${formatted}`]: 'Susanna Stubberod (sample)',
      '_primarycontactid_value@Microsoft.Dynamics.CRM.associatednavigationproperty': 'primarycontactid',
      '_primarycontactid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'contact',
      _primarycontactid_value: contact,
      accountid: account,
    })
    const plain = await api.call('GET', `accounts(${account})?$select=revenue`)
    expect(plain.headers.get('preference-applied')).toBeNull()
    expect(plain.body).toEqual({
      '@odata.context': expect.any(String) as unknown,
      '@odata.etag': expect.any(String) as unknown,
      revenue: 20000,
      accountid: account,
    })
  })

  it('lookup annotations alone, as the lookup-property example asks for them', async () => {
    const { api, account } = await anAccount()
    const prefer =
      'odata.include-annotations="Microsoft.Dynamics.CRM.associatednavigationproperty,Microsoft.Dynamics.CRM.lookuplogicalname"'
    const result = await api.call('GET', `accounts(${account})?$select=_ownerid_value,revenue`, undefined, {
      prefer,
    })
    expect(result.headers.get('preference-applied')).toBe(prefer)
    expect(result.body).toMatchObject({
      '_ownerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty': 'ownerid',
      '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
    })
    expect(Object.keys(result.body as object).some((k) => k.endsWith(formatted))).toBe(false)
  })

  it('return=representation carries the annotations too', async () => {
    const api = await connect()
    const created = await api.call(
      'POST',
      'accounts?$select=name,customertypecode',
      { name: 'A', customertypecode: 3 },
      { prefer: `return=representation,odata.include-annotations="${formatted}"` },
    )
    expect(created.status).toBe(201)
    expect(created.headers.get('preference-applied')).toBe(
      `return=representation,odata.include-annotations="${formatted}"`,
    )
    expect(created.body).toMatchObject({ [`customertypecode@${formatted}`]: 'Customer' })
  })

  it('formats dates as M/d/yyyy h:mm AM/PM, date-only values without the time', () => {
    expect(formatDate('2023-04-07T00:05:00Z', false)).toBe('4/7/2023 12:05 AM')
    expect(formatDate('2023-12-31T12:00:00Z', false)).toBe('12/31/2023 12:00 PM')
    expect(formatDate('2023-04-07T14:59:00Z', true)).toBe('4/7/2023')
    expect(formatDate('2023-04-07', false)).toBe('4/7/2023')
  })
})
