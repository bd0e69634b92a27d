import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom } from '../test-helpers.ts'

interface Page {
  '@odata.context': string
  value: Record<string, unknown>[]
}

const etag = expect.stringMatching(/^W\/"\d+"$/) as unknown

async function accountWithContact() {
  const api = await connect()
  const contact = idFrom(await api.call('POST', 'contacts', { firstname: 'Ada', lastname: 'Lovelace' }))
  const account = idFrom(
    await api.call('POST', 'accounts', {
      name: 'Analytical',
      'primarycontactid@odata.bind': `/contacts(${contact})`,
    }),
  )
  const empty = idFrom(await api.call('POST', 'accounts', { name: 'Empty' }))
  return { api, contact, account, empty }
}

// $expand of single-valued navigation properties: webapi.md §2.8 and
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/join-tables
// ("Join tables using OData": the related row comes back nested under the navigation property
// name, with @odata.etag and its selected columns; null when the lookup is empty).
describe('$expand', () => {
  it('nests the related row under the navigation property on GET {set}, null when the lookup is empty', async () => {
    const { api, contact, account, empty } = await accountWithContact()
    const result = await api.call(
      'GET',
      'accounts?$select=name&$expand=primarycontactid($select=fullname)&$orderby=name',
    )
    expect(result.status).toBe(200)
    const page = result.body as Page
    expect(page['@odata.context']).toBe(
      'https://127.0.0.1/api/data/v9.2/$metadata#accounts(name,primarycontactid(fullname))',
    )
    expect(page.value).toEqual([
      {
        '@odata.etag': etag,
        accountid: account,
        name: 'Analytical',
        primarycontactid: { '@odata.etag': etag, contactid: contact, fullname: 'Ada Lovelace' },
      },
      { '@odata.etag': etag, accountid: empty, name: 'Empty', primarycontactid: null },
    ])
  })

  it('expands on GET {set}(id), with every column of the related row when no nested $select', async () => {
    const { api, contact, account } = await accountWithContact()
    const result = await api.call('GET', `accounts(${account})?$select=name&$expand=primarycontactid`)
    expect(result.status).toBe(200)
    const body = result.body as Record<string, unknown>
    expect(body['@odata.context']).toBe(
      'https://127.0.0.1/api/data/v9.2/$metadata#accounts(name,primarycontactid())/$entity',
    )
    const expanded = body.primarycontactid as Record<string, unknown>
    expect(expanded).toMatchObject({ contactid: contact, firstname: 'Ada', lastname: 'Lovelace' })
    expect(expanded['@odata.etag']).toEqual(etag)
    expect(expanded).toHaveProperty('_parentcustomerid_value', null)
  })

  it('expands a polymorphic lookup by its per-target name, null when it points at the other target', async () => {
    const api = await connect()
    const account = idFrom(await api.call('POST', 'accounts', { name: 'Parent Inc' }))
    await api.call('POST', 'contacts', {
      lastname: 'Child',
      'parentcustomerid_account@odata.bind': `/accounts(${account})`,
    })
    const other = idFrom(await api.call('POST', 'contacts', { lastname: 'Other' }))
    await api.call('POST', 'contacts', {
      lastname: 'Grandchild',
      'parentcustomerid_contact@odata.bind': `/contacts(${other})`,
    })
    const result = await api.call(
      'GET',
      "contacts?$select=lastname&$filter=lastname ne 'Other'&$orderby=lastname" +
        '&$expand=parentcustomerid_account($select=name),parentcustomerid_contact($select=lastname)',
    )
    expect(result.status).toBe(200)
    expect((result.body as Page).value).toEqual([
      {
        '@odata.etag': etag,
        contactid: expect.any(String) as unknown,
        lastname: 'Child',
        parentcustomerid_account: { '@odata.etag': etag, accountid: account, name: 'Parent Inc' },
        parentcustomerid_contact: null,
      },
      {
        '@odata.etag': etag,
        contactid: expect.any(String) as unknown,
        lastname: 'Grandchild',
        parentcustomerid_account: null,
        parentcustomerid_contact: { '@odata.etag': etag, contactid: other, lastname: 'Other' },
      },
    ])
  })

  it('answers an unknown navigation property with 400 0x80060888, as for an unknown $select column', async () => {
    // The OData URI parser's "Could not find a property named …" (webapi.md §2.7 [C]).
    const { api, account } = await accountWithContact()
    for (const path of [
      'accounts?$expand=nosuchnav',
      `accounts(${account})?$expand=parentcustomerid_account`,
    ]) {
      const result = await api.call('GET', path)
      expect(result.status).toBe(400)
      expect(errorOf(result)).toEqual({
        code: '0x80060888',
        message: `Could not find a property named '${path.split('=')[1] ?? ''}' on type 'Microsoft.Dynamics.CRM.account'.`,
      })
    }
  })

  it('rejects an unknown column in the nested $select with the related table in the message', async () => {
    const { api } = await accountWithContact()
    const result = await api.call('GET', 'accounts?$expand=primarycontactid($select=nosuchcolumn)')
    expect(result.status).toBe(400)
    expect(errorOf(result)).toEqual({
      code: '0x80060888',
      message: "Could not find a property named 'nosuchcolumn' on type 'Microsoft.Dynamics.CRM.contact'.",
    })
  })

  it('refuses nested options other than $select on a single-valued navigation property', async () => {
    const api = await connect()
    const nested = await api.call('GET', 'accounts?$expand=primarycontactid($filter=statecode eq 0)')
    expect(nested.status).toBe(400)
    expect(errorOf(nested).message).toBe(
      "The query option '$filter' inside $expand is not supported by the simulator.",
    )
  })
})

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/join-tables#expand-collection-valued-navigation-properties
describe('$expand of collection-valued navigation properties', () => {
  it('nests the rows that point back, with nested $select, $filter, $orderby and $top', async () => {
    const { api, account, empty } = await accountWithContact()
    for (const lastname of ['Babbage', 'Byron', 'Somerville']) {
      await api.call('POST', 'contacts', {
        lastname,
        'parentcustomerid_account@odata.bind': `accounts(${account})`,
      })
    }
    const result = await api.call(
      'GET',
      "accounts?$select=name&$orderby=name&$expand=contact_customer_accounts($select=lastname;$filter=startswith(lastname,'B');$orderby=lastname desc;$top=5)",
    )
    expect(result.status).toBe(200)
    const page = result.body as Page
    expect(page['@odata.context']).toBe(
      'https://127.0.0.1/api/data/v9.2/$metadata#accounts(name,contact_customer_accounts(lastname))',
    )
    expect(page.value).toEqual([
      {
        '@odata.etag': etag,
        name: 'Analytical',
        accountid: account,
        contact_customer_accounts: [
          { '@odata.etag': etag, lastname: 'Byron', contactid: expect.any(String) as unknown },
          { '@odata.etag': etag, lastname: 'Babbage', contactid: expect.any(String) as unknown },
        ],
      },
      { '@odata.etag': etag, name: 'Empty', accountid: empty, contact_customer_accounts: [] },
    ])
  })

  it("expands an email's activity parties", async () => {
    const api = await connect()
    const contact = idFrom(await api.call('POST', 'contacts', { lastname: 'Lee' }))
    const email = idFrom(
      await api.call('POST', 'emails', {
        subject: 'Hello',
        email_activity_parties: [
          { 'partyid_contact@odata.bind': `/contacts(${contact})`, participationtypemask: 2 },
        ],
      }),
    )
    const result = await api.call(
      'GET',
      `emails(${email})?$select=subject&$expand=email_activity_parties($select=_partyid_value,participationtypemask)`,
    )
    expect(result.status).toBe(200)
    expect((result.body as { email_activity_parties: unknown[] }).email_activity_parties).toEqual([
      expect.objectContaining({ _partyid_value: contact, participationtypemask: 2 }),
    ])
  })
})
