import { DynamicsWebApi, type RequestError } from 'dynamics-web-api'
import { afterEach, describe, expect, it } from 'vitest'
import { createDataverseSimulator, type DataverseSimOptions } from '../../sim/dataverse/index.ts'
import { serve, type Handler, type Served } from '../../sim/serve.ts'

const opened: Served[] = []
afterEach(async () => {
  for (const served of opened.splice(0)) await served.close()
})

/** The simulator on 127.0.0.1 (plain HTTP: the library uses node:http for http URLs) and an unmodified DynamicsWebApi. */
async function connect(options: DataverseSimOptions = {}) {
  let now = Date.parse('2026-11-26T00:00:00Z')
  let handler: Handler = async () => new Response('starting', { status: 503 })
  const served = await serve((request) => handler(request))
  opened.push(served)
  const sim = createDataverseSimulator({ ...options, origin: served.origin, clock: () => now })
  handler = sim.handle
  const settings = sim.settings()
  const token = async () => {
    const response = await fetch(`${settings.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: settings.clientId,
        client_secret: settings.clientSecret,
        scope: settings.scope,
      }),
    })
    return ((await response.json()) as { access_token: string }).access_token
  }
  const api = new DynamicsWebApi({
    serverUrl: settings.url,
    onTokenRefresh: token,
    dataApi: { version: '9.2' },
  })
  /** A request the library has no method for (alternate keys), sent as any client would. */
  const send = async (method: string, path: string, body: unknown) =>
    fetch(`${settings.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  return { sim, api, send, advance: (ms: number) => void (now += ms) }
}

const formatted = 'OData.Community.Display.V1.FormattedValue'

// A published client (https://github.com/AleksandrRogov/DynamicsWebApi), used as its README shows, with
// nothing adapted to the simulator: what it sends is what it sends to Dataverse.
describe('dynamics-web-api 2.x against the simulator', () => {
  // https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-entity-web-api
  // https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api
  it('creates, upserts (by id and by alternate key) and updates a single property', async () => {
    const { sim, api, send } = await connect()
    const id = await api.create<Record<string, unknown>, string>({
      collection: 'accounts',
      data: { name: 'Litware, Inc.', revenue: 20000 },
    })
    expect(sim.rows('account')).toEqual([expect.objectContaining({ accountid: id, name: 'Litware, Inc.' })])
    const upserted = await api.upsert<Record<string, unknown>, Record<string, unknown>>({
      collection: 'accounts',
      key: id,
      data: { name: 'Litware' },
      returnRepresentation: true,
      select: ['name'],
    })
    expect(upserted).toMatchObject({ accountid: id, name: 'Litware' })
    await api.updateSingleProperty({
      collection: 'accounts',
      key: id,
      fieldValuePair: { description: 'Notes' },
    })
    await api.deleteRecord({ collection: 'accounts', key: id, fieldName: 'revenue' })
    expect(sim.rows('account')[0]).toMatchObject({ name: 'Litware', description: 'Notes', revenue: null })

    await api.createAttribute({
      entityKey: "LogicalName='account'",
      data: {
        '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
        SchemaName: 'new_X2crmId',
        MaxLength: 100,
        RequiredLevel: { Value: 'None' },
      },
    })
    const key = await send('POST', "EntityDefinitions(LogicalName='account')/Keys", {
      SchemaName: 'new_account_x2crmid',
      KeyAttributes: ['new_x2crmid'],
    })
    expect(key.status).toBe(204)
    await api.upsert({ collection: 'accounts', key: "new_x2crmid='12'", data: { name: 'From X2CRM' } })
    await api.upsert({ collection: 'accounts', key: "new_x2crmid='12'", data: { name: 'From X2CRM, again' } })
    expect(sim.rows('account').filter((a) => a.new_x2crmid === '12')).toEqual([
      expect.objectContaining({ name: 'From X2CRM, again' }),
    ])
  })

  // https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/select-columns#formatted-values
  it('queries with formatted values, which the client also exposes as <name>_Formatted', async () => {
    const { api } = await connect()
    const contact = await api.create<Record<string, unknown>, string>({
      collection: 'contacts',
      data: { firstname: 'Susanna', lastname: 'Stubberod' },
    })
    await api.create({
      collection: 'accounts',
      data: {
        name: 'Litware',
        revenue: 20000,
        customertypecode: 1,
        'primarycontactid@odata.bind': `contacts(${contact})`,
      },
    })
    const result = await api.retrieveMultiple<Record<string, unknown>>({
      collection: 'accounts',
      select: ['name', 'revenue', 'customertypecode', '_primarycontactid_value'],
      filter: "name eq 'Litware'",
      includeAnnotations: formatted,
    })
    expect(result.value).toEqual([
      expect.objectContaining({
        [`revenue@${formatted}`]: '$20,000.00',
        revenue_Formatted: '$20,000.00',
        customertypecode_Formatted: 'Competitor',
        _primarycontactid_value_Formatted: 'Susanna Stubberod',
      }),
    ])
  })

  // https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api#using-single-valued-navigation-properties
  it('associates and disassociates through a single-valued navigation property', async () => {
    const { sim, api } = await connect()
    const account = await api.create<Record<string, unknown>, string>({
      collection: 'accounts',
      data: { name: 'A' },
    })
    const contact = await api.create<Record<string, unknown>, string>({
      collection: 'contacts',
      data: { lastname: 'L' },
    })
    await api.associateSingleValued({
      collection: 'contacts',
      primaryKey: contact,
      navigationProperty: 'parentcustomerid_account',
      relatedCollection: 'accounts',
      relatedKey: account,
    })
    expect(sim.rows('contact')[0]).toMatchObject({ _parentcustomerid_value: account })
    await api.disassociateSingleValued({
      collection: 'contacts',
      primaryKey: contact,
      navigationProperty: 'parentcustomerid_account',
    })
    expect(sim.rows('contact')[0]).toMatchObject({ _parentcustomerid_value: null })
  })

  // https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
  it('runs a $batch with a change set (a Content-ID reference) and a query', async () => {
    const { sim, api } = await connect()
    api.startBatch()
    void api.create({ collection: 'accounts', data: { name: 'Batched' }, contentId: '1' })
    void api.create({
      collection: 'contacts',
      data: { lastname: 'Batched', 'parentcustomerid_account@odata.bind': '$1' },
    })
    const responses = await api.executeBatch({ inChangeSet: true })
    expect(responses).toHaveLength(2)
    const [accountId] = responses as string[]
    expect(sim.rows('contact')).toEqual([expect.objectContaining({ _parentcustomerid_value: accountId })])

    api.startBatch()
    void api.retrieveMultiple({ collection: 'accounts', select: ['name'] })
    void api.count({ collection: 'contacts' })
    const [list, count] = (await api.executeBatch()) as [{ value: unknown[] }, number]
    expect(list.value).toEqual([expect.objectContaining({ name: 'Batched' })])
    expect(count).toBe(1)
  })

  // https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query-metadata-web-api
  it('reads table and column definitions, filtered by attribute type', async () => {
    const { api } = await connect()
    const account = await api.retrieveEntity<Record<string, unknown>>({
      key: "LogicalName='account'",
      select: ['LogicalName', 'EntitySetName', 'PrimaryIdAttribute'],
    })
    expect(account).toMatchObject({
      LogicalName: 'account',
      EntitySetName: 'accounts',
      PrimaryIdAttribute: 'accountid',
    })
    const money = await api.retrieveAttributes<{ LogicalName: string; AttributeType: string }>({
      entityKey: "LogicalName='account'",
      select: ['LogicalName', 'AttributeType'],
      filter: "AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Money'",
    })
    expect(money.value.map((a) => a.LogicalName)).toContain('revenue')
    expect(money.value.every((a) => a.AttributeType === 'Money')).toBe(true)
    const revenue = await api.retrieveAttribute<Record<string, unknown>>({
      entityKey: "LogicalName='account'",
      attributeKey: "LogicalName='revenue'",
      castType: 'Microsoft.Dynamics.CRM.MoneyAttributeMetadata',
      select: ['MinValue', 'MaxValue', 'Precision'],
    })
    expect(revenue).toMatchObject({ MinValue: 0, MaxValue: 100_000_000_000_000, Precision: 2 })
  })

  // https://learn.microsoft.com/en-us/power-apps/developer/data-platform/api-limits#retry-operations
  it('gets a 429 with Retry-After past the request limit, and succeeds once that time has passed', async () => {
    const { api, advance } = await connect({ limits: { requestsPerWindow: 2, windowSeconds: 300 } })
    await api.create({ collection: 'accounts', data: { name: 'one' } })
    advance(100_000)
    await api.create({ collection: 'accounts', data: { name: 'two' } })
    const error = await api.create({ collection: 'accounts', data: { name: 'three' } }).then(
      () => undefined,
      (e: unknown) => e as RequestError,
    )
    expect(error?.status).toBe(429)
    expect(error?.message).toBe('Number of requests exceeded the limit of 2 over time window of 300 seconds.')
    const retryAfter = Number((error?.headers as Record<string, string>)['retry-after'])
    expect(retryAfter).toBe(200)
    advance(retryAfter * 1000)
    await expect(api.create({ collection: 'accounts', data: { name: 'three' } })).resolves.toBeTypeOf(
      'string',
    )
  })
})
