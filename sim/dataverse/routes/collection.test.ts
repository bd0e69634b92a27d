import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom } from '../test-helpers.ts'

interface Page {
  '@odata.context': string
  '@odata.count'?: number
  '@odata.nextLink'?: string
  value: Record<string, unknown>[]
}

async function withAccounts(count: number) {
  const api = await connect()
  for (let i = 0; i < count; i++) {
    await api.call('POST', 'accounts', {
      name: `Account ${String(i).padStart(2, '0')}`,
      numberofemployees: i,
    })
  }
  return api
}

// Queries: webapi.md §2.8 and
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query-data-web-api
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/page-results
describe('GET {set}', () => {
  it('selects, filters and returns @odata.context and @odata.etag', async () => {
    const api = await withAccounts(3)
    const result = await api.call('GET', "accounts?$select=name&$filter=name eq 'Account 01'")
    const page = result.body as Page
    expect(result.status).toBe(200)
    expect(page['@odata.context']).toBe('https://127.0.0.1/api/data/v9.2/$metadata#accounts(name)')
    expect(page.value).toEqual([
      {
        '@odata.etag': expect.stringMatching(/^W\/"\d+"$/) as unknown,
        accountid: expect.any(String) as unknown,
        name: 'Account 01',
      },
    ])
  })

  it('filters on a lookup with _x_value and an unquoted GUID', async () => {
    const api = await connect()
    const parent = idFrom(await api.call('POST', 'accounts', { name: 'P' }))
    await api.call('POST', 'contacts', {
      lastname: 'A',
      'parentcustomerid_account@odata.bind': `/accounts(${parent})`,
    })
    await api.call('POST', 'contacts', { lastname: 'B' })
    const page = (
      await api.call('GET', `contacts?$select=lastname&$filter=_parentcustomerid_value eq ${parent}`)
    ).body as Page
    expect(page.value.map((r) => r.lastname)).toEqual(['A'])
  })

  it('answers a filter of primary keys with exactly those rows, ignoring ids that do not exist', async () => {
    const api = await withAccounts(5)
    const all = ((await api.call('GET', 'accounts?$select=accountid,name&$orderby=name')).body as Page).value
    const [first, , third] = all.map((row) => String(row['accountid']))
    const missing = '00000000-0000-0000-0000-000000000042'
    const filter = `accountid eq ${first ?? ''} or (accountid eq ${missing} or accountid eq ${third ?? ''})`
    const result = await api.call('GET', `accounts?$select=name&$filter=${encodeURIComponent(filter)}`)
    expect((result.body as Page).value.map((row) => row['name']).sort()).toEqual(['Account 00', 'Account 02'])
  })

  it('applies $orderby, $top and $count', async () => {
    const api = await withAccounts(5)
    const page = (
      await api.call(
        'GET',
        'accounts?$select=numberofemployees&$orderby=numberofemployees desc&$top=2&$count=true',
      )
    ).body as Page
    expect(page.value.map((r) => r.numberofemployees)).toEqual([4, 3])
    expect(page['@odata.count']).toBe(5) // counts every match, not just the $top rows
  })

  it('pages with Prefer: odata.maxpagesize and an @odata.nextLink holding a $skiptoken', async () => {
    const api = await withAccounts(5)
    const seen: unknown[] = []
    let path: string | undefined = 'accounts?$select=name&$filter=numberofemployees ge 0&$count=true'
    let pages = 0
    while (path !== undefined) {
      const result = await api.call('GET', path, undefined, { prefer: 'odata.maxpagesize=2' })
      expect(result.headers.get('preference-applied')).toBe('odata.maxpagesize=2')
      const page = result.body as Page
      expect(page['@odata.count']).toBe(5)
      seen.push(...page.value.map((r) => r.name))
      pages++
      const next = page['@odata.nextLink']
      if (next !== undefined) {
        expect(next).toMatch(/^https:\/\/127\.0\.0\.1\/api\/data\/v9\.2\/accounts\?.*%24skiptoken=/)
        expect(new URL(next).searchParams.get('$skiptoken')).toMatch(/^<cookie pagenumber="\d+"/)
      }
      path = next?.slice('https://127.0.0.1/api/data/v9.2/'.length)
    }
    expect(pages).toBe(3)
    expect(seen).toEqual(['Account 00', 'Account 01', 'Account 02', 'Account 03', 'Account 04'])
  })

  it('rejects unknown properties in $select and $filter', async () => {
    const api = await connect()
    for (const query of ['$select=nope', '$filter=nope eq 1', '$select=parentaccountid']) {
      const result = await api.call('GET', `accounts?${query}`)
      expect(result.status).toBe(400)
      expect(errorOf(result).code).toBe('0x80060888')
      expect(errorOf(result).message).toMatch(
        /^Could not find a property named '\w+' on type 'Microsoft\.Dynamics\.CRM\.account'\.$/,
      )
    }
  })

  it('rejects a malformed $filter with 400', async () => {
    const api = await connect()
    const result = await api.call('GET', "accounts?$filter=name eq 'x")
    expect(result.status).toBe(400)
    expect(errorOf(result).code).toBe('0x80060888')
  })
})

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/count-rows
describe('counting rows', () => {
  it('GET {set}/$count answers the number as text/plain', async () => {
    const api = await connect()
    for (const name of ['A', 'B', 'C']) await api.call('POST', 'accounts', { name })
    const response = await api.sim.handle(
      new Request(`${api.sim.settings().apiUrl}accounts/$count?$filter=name ne 'B'`, {
        headers: { authorization: `Bearer ${api.token}` },
      }),
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/plain')
    expect(await response.text()).toBe('2')
  })

  it('adds totalrecordcount annotations when asked for', async () => {
    const api = await connect()
    await api.call('POST', 'accounts', { name: 'A' })
    const prefer = {
      prefer:
        'odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"',
    }
    const counted = await api.call('GET', 'accounts?$select=name&$count=true', undefined, prefer)
    expect(counted.body).toMatchObject({
      '@odata.count': 1,
      '@Microsoft.Dynamics.CRM.totalrecordcount': 1,
      '@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded': false,
    })
    const uncounted = await api.call('GET', 'accounts?$select=name', undefined, prefer)
    expect(uncounted.body).toMatchObject({ '@Microsoft.Dynamics.CRM.totalrecordcount': -1 })
  })
})
