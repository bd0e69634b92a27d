import { describe, expect, it } from 'vitest'
import { HttpError } from '../../errors.ts'
import { createDataverseMetadataClient } from './metadata.ts'

/** A small fake for calls the simulator does not answer yet (InsertOptionValue). */
function fake(status = 204) {
  const calls: { method: string; url: string; body: unknown; headers: Headers }[] = []
  const client = createDataverseMetadataClient({
    url: 'https://org.example.com',
    getToken: async () => 'secret-token',
    solution: 'x2d365',
    sleep: async () => undefined,
    fetch: async (input, init) => {
      const request = new Request(input, init)
      calls.push({
        method: request.method,
        url: request.url,
        body: await request.json().catch(() => undefined),
        headers: request.headers,
      })
      return status === 204
        ? new Response(null, { status })
        : Response.json(
            {
              error: {
                code: '0x80044191',
                message: 'Option value 100000000 already exists (token secret-token)',
              },
            },
            { status },
          )
    },
  })
  return { client, calls }
}

describe('metadata client', () => {
  it('adds an option with InsertOptionValue, into the named solution', async () => {
    const { client, calls } = fake()
    await client.insertOption('contact', 'leadsourcecode', 100000000, 'Google')
    expect(calls[0]).toMatchObject({
      method: 'POST',
      url: 'https://org.example.com/api/data/v9.2/InsertOptionValue',
      body: {
        EntityLogicalName: 'contact',
        AttributeLogicalName: 'leadsourcecode',
        Value: 100000000,
        Label: { LocalizedLabels: [{ Label: 'Google', LanguageCode: 1033 }] },
        SolutionUniqueName: 'x2d365',
      },
    })
    expect(calls[0]?.headers.get('MSCRM.SolutionUniqueName')).toBe('x2d365')
  })

  it("throws an HttpError with Dataverse's message, without the token", async () => {
    const { client } = fake(400)
    const error = await client
      .insertOption('contact', 'leadsourcecode', 100000000, 'Google')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).message).toMatch(
      /failed with status 400: Option value 100000000 already exists/,
    )
    expect(JSON.stringify((error as HttpError).body)).not.toContain('secret-token')
  })

  it('reads the index status of one alternate key; undefined when there is no such key', async () => {
    const urls: string[] = []
    const client = createDataverseMetadataClient({
      url: 'https://org.example.com/',
      getToken: async () => 'token',
      sleep: async () => undefined,
      fetch: async (input, init) => {
        const request = new Request(input, init)
        urls.push(decodeURIComponent(request.url))
        return request.url.includes('missing')
          ? Response.json({ error: { message: 'not found' } }, { status: 404 })
          : Response.json({ MetadataId: 'x', EntityKeyIndexStatus: 'InProgress' })
      },
    })
    expect(await client.keyStatus('account', 'new_x2crmid_key')).toBe('InProgress')
    expect(await client.keyStatus('account', 'missing_key')).toBeUndefined()
    expect(urls[0]).toBe(
      "https://org.example.com/api/data/v9.2/EntityDefinitions(LogicalName='account')/Keys(LogicalName='new_x2crmid_key')?$select=EntityKeyIndexStatus",
    )
  })
})

describe('readTable: number bounds', () => {
  it('reads MinValue, MaxValue and Precision through the number type casts', async () => {
    const urls: string[] = []
    const client = createDataverseMetadataClient({
      url: 'https://org.example.com',
      getToken: async () => 'token',
      sleep: async () => undefined,
      fetch: async (input, init) => {
        const url = decodeURIComponent(new Request(input, init).url)
        urls.push(url)
        if (url.includes('MoneyAttributeMetadata')) {
          return Response.json({
            value: [{ LogicalName: 'price', MinValue: 0, MaxValue: 1e12, Precision: 4 }],
          })
        }
        if (url.includes('IntegerAttributeMetadata')) {
          return Response.json({ value: [{ LogicalName: 'quantityonhand', MinValue: 0, MaxValue: 1e9 }] })
        }
        if (url.includes('/Attributes/')) return Response.json({ error: { message: 'no' } }, { status: 404 })
        return Response.json({
          LogicalName: 'product',
          EntitySetName: 'products',
          PrimaryIdAttribute: 'productid',
          PrimaryNameAttribute: 'name',
          Attributes: [
            { LogicalName: 'price', AttributeType: 'Money', RequiredLevel: { Value: 'None' } },
            { LogicalName: 'quantityonhand', AttributeType: 'Integer' },
            { LogicalName: 'name', AttributeType: 'String', MaxLength: 100, MinValue: null },
          ],
        })
      },
    })
    const table = await client.readTable('product')
    expect(table?.columns).toEqual([
      { name: 'price', type: 'Money', required: 'None', minValue: 0, maxValue: 1e12, precision: 4 },
      { name: 'quantityonhand', type: 'Integer', minValue: 0, maxValue: 1e9 },
      { name: 'name', type: 'String', maxLength: 100 },
    ])
    expect(urls).toContain(
      "https://org.example.com/api/data/v9.2/EntityDefinitions(LogicalName='product')/Attributes/" +
        'Microsoft.Dynamics.CRM.MoneyAttributeMetadata?$select=LogicalName,MinValue,MaxValue,Precision',
    )
    for (const cast of ['Decimal', 'Double', 'Integer', 'BigInt']) {
      expect(urls.some((u) => u.includes(`Microsoft.Dynamics.CRM.${cast}AttributeMetadata?$select=`))).toBe(
        true,
      )
    }
  })
})
