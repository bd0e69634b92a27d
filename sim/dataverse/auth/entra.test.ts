import { describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../index.ts'
import { connect, errorOf, requestToken } from '../test-helpers.ts'

// Error responses per "Microsoft identity platform and the OAuth 2.0 client credentials flow"
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#error-response
// and AADSTS codes per https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
describe('token endpoint', () => {
  it('returns a bearer token for client credentials', async () => {
    const sim = createDataverseSimulator()
    const { status, body } = await requestToken(sim)
    expect(status).toBe(200)
    expect(body).toEqual({
      token_type: 'Bearer',
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: expect.any(String) as unknown,
    })
  })

  it.each([
    [
      'wrong secret',
      { client_secret: 'wrong' },
      401,
      'invalid_client',
      7000215,
      'Invalid client secret provided.',
    ],
    [
      'no secret',
      { client_secret: '' },
      401,
      'invalid_client',
      7000218,
      "must contain the following parameter: 'client_assertion' or 'client_secret'",
    ],
    [
      'unknown client',
      { client_id: '11111111-1111-1111-1111-111111111111' },
      400,
      'unauthorized_client',
      700016,
      "Application with identifier '11111111-1111-1111-1111-111111111111' was not found",
    ],
    [
      'other resource',
      { scope: 'https://contoso.crm.dynamics.com/.default' },
      400,
      'invalid_resource',
      500011,
      'The resource principal named https://contoso.crm.dynamics.com was not found',
    ],
    [
      'scope without /.default',
      { scope: 'https://127.0.0.1/user_impersonation' },
      400,
      'invalid_scope',
      1002012,
      'Client credential flows must have a scope value with /.default suffixed',
    ],
    [
      'other grant',
      { grant_type: 'password' },
      400,
      'unsupported_grant_type',
      70003,
      'unsupported grant type',
    ],
  ])('answers %s like Entra ID', async (_name, form, status, error, code, text) => {
    const sim = createDataverseSimulator()
    const result = await requestToken(sim, form)
    expect(result.status).toBe(status)
    expect(result.body.error).toBe(error)
    expect(result.body.error_codes).toEqual([code])
    expect(String(result.body.error_description)).toMatch(new RegExp(`^AADSTS${code}: `))
    expect(String(result.body.error_description)).toContain(text)
  })

  it('accepts the resource with a trailing slash before /.default', async () => {
    const sim = createDataverseSimulator({ origin: 'https://127.0.0.1:9999' })
    expect((await requestToken(sim, { scope: 'https://127.0.0.1:9999//.default' })).status).toBe(200)
  })

  it('serves the OIDC discovery document MSAL validates (issuer on the same host)', async () => {
    const sim = createDataverseSimulator({ origin: 'https://127.0.0.1:8443' })
    const s = sim.settings()
    const response = await sim.handle(new Request(`${s.authority}/v2.0/.well-known/openid-configuration`))
    expect(await response.json()).toMatchObject({
      issuer: `${s.authority}/v2.0`,
      token_endpoint: `${s.authority}/oauth2/v2.0/token`,
      authorization_endpoint: `${s.authority}/oauth2/v2.0/authorize`,
      jwks_uri: `${s.authority}/discovery/v2.0/keys`,
      end_session_endpoint: `${s.authority}/oauth2/v2.0/logout`,
    })
  })

  it('serves instance discovery for clients that do not list the host in knownAuthorities', async () => {
    const sim = createDataverseSimulator({ origin: 'https://127.0.0.1:8443' })
    const response = await sim.handle(
      new Request(
        'https://127.0.0.1:8443/common/discovery/instance?api-version=1.1&authorization_endpoint=x',
      ),
    )
    expect(await response.json()).toMatchObject({
      tenant_discovery_endpoint: `${sim.settings().authority}/v2.0/.well-known/openid-configuration`,
      metadata: [{ preferred_network: '127.0.0.1:8443', aliases: ['127.0.0.1:8443'] }],
    })
  })

  it('answers an unknown tenant with AADSTS90002', async () => {
    const sim = createDataverseSimulator()
    const response = await sim.handle(
      new Request(`${sim.settings().url}/contoso.example/oauth2/v2.0/token`, { method: 'POST', body: '' }),
    )
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_request', error_codes: [90002] })
  })
})

describe('bearer tokens on the Web API', () => {
  // webapi.md §1.2: every request carries Authorization: Bearer; a bad one is a 401 with the error JSON.
  it.each([
    ['missing', undefined],
    ['unknown', 'Bearer not-a-token'],
  ])('answers a %s token with 401 and a Dataverse error body', async (_name, authorization) => {
    const sim = createDataverseSimulator()
    const response = await sim.handle(
      new Request(`${sim.settings().apiUrl}WhoAmI`, { headers: authorization ? { authorization } : {} }),
    )
    expect(response.status).toBe(401)
    expect(response.headers.get('content-type')).toBe('application/json; odata.metadata=minimal')
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=/)
    const body = (await response.json()) as { error: { code: string; message: string } }
    expect(body.error.message).toMatch(/not authenticated/)
  })

  it('expires tokens after expires_in seconds on the injected clock', async () => {
    let now = Date.UTC(2025, 0, 1)
    const api = await connect({ clock: () => now })
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
    now += 3598_000
    expect((await api.call('GET', 'WhoAmI')).status).toBe(200)
    now += 2_000
    const expired = await api.call('GET', 'WhoAmI')
    expect(expired.status).toBe(401)
    expect(errorOf(expired).message).toMatch(/expired/)
  })

  it('binds the token to its app user: WhoAmI returns that user, whose systemuser row was seeded', async () => {
    const api = await connect({
      appUsers: [{ clientId: 'aaaaaaaa-0000-0000-0000-000000000001', clientSecret: 's1', name: '# Loader' }],
    })
    const who = await api.call('GET', 'WhoAmI')
    const body = who.body as { UserId: string; BusinessUnitId: string; OrganizationId: string }
    const user = api.sim.rows('systemuser').find((u) => u.systemuserid === body.UserId)
    expect(user).toMatchObject({
      fullname: '# Loader',
      applicationid: 'aaaaaaaa-0000-0000-0000-000000000001',
      _businessunitid_value: body.BusinessUnitId,
    })
  })
})
