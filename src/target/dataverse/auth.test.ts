import { constants, generateKeyPairSync, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError, MigrationError } from '../../errors.ts'
import type { Fetch } from '../../http/fetch.ts'
import { createMsalTokenProvider } from './auth.ts'

const AUTHORITY = 'https://login.sim.test/tenant-1'
const SECRET = 'sup3r-s3cret-value'

/** A tiny Entra ID stand-in: the OpenID configuration and a client-credentials token endpoint. */
function fakeEntra({ refuse = false, expiresIn = 3599 } = {}) {
  const requests: { method: string; url: string; form?: URLSearchParams }[] = []
  let issued = 0
  const fetch: Fetch = async (input, init) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    if (request.method === 'GET' && url.pathname === '/tenant-1/v2.0/.well-known/openid-configuration') {
      requests.push({ method: 'GET', url: request.url })
      return Response.json({
        issuer: `${AUTHORITY}/v2.0`,
        authorization_endpoint: `${AUTHORITY}/oauth2/v2.0/authorize`,
        token_endpoint: `${AUTHORITY}/oauth2/v2.0/token`,
        jwks_uri: `${AUTHORITY}/discovery/v2.0/keys`,
      })
    }
    if (request.method === 'POST' && url.pathname === '/tenant-1/oauth2/v2.0/token') {
      const form = new URLSearchParams(await request.text())
      requests.push({ method: 'POST', url: request.url, form })
      if (refuse || form.get('client_secret') !== SECRET) {
        return Response.json(
          { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided.` },
          { status: 401 },
        )
      }
      return Response.json({
        token_type: 'Bearer',
        expires_in: expiresIn,
        ext_expires_in: expiresIn,
        access_token: `token-${++issued}`,
      })
    }
    return Response.json({ error: 'not_found' }, { status: 404 })
  }
  return { fetch, requests }
}

const options = (fetch: Fetch, clientSecret = SECRET) => ({
  authority: AUTHORITY,
  clientId: '11111111-2222-3333-4444-555555555555',
  clientSecret,
  scope: 'https://contoso.crm.dynamics.test/.default',
  fetch,
})

describe('createMsalTokenProvider', () => {
  it('gets a client-credentials token through the given fetch, caches it, and refreshes on demand', async () => {
    const { fetch, requests } = fakeEntra()
    const provider = createMsalTokenProvider(options(fetch))
    expect(await provider.getToken()).toBe('token-1')
    expect(await provider.getToken()).toBe('token-1')
    expect(await provider.getToken({ forceRefresh: true })).toBe('token-2')

    // No instance discovery at Microsoft: every request went to the authority's host.
    expect(requests.every((r) => new URL(r.url).host === 'login.sim.test')).toBe(true)
    const posts = requests.filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(2)
    expect(posts[0]?.form?.get('grant_type')).toBe('client_credentials')
    expect(posts[0]?.form?.get('scope')).toContain('https://contoso.crm.dynamics.test/.default')
  })

  it('asks again for a token that expires within five minutes instead of holding it', async () => {
    // The provider holds the last token to spare MSAL's cache lookup on every request, but never one MSAL would renew.
    const { fetch, requests } = fakeEntra({ expiresIn: 200 })
    const provider = createMsalTokenProvider(options(fetch))
    expect(await provider.getToken()).toBe('token-1')
    expect(await provider.getToken()).toBe('token-2')
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(2)
  })

  it('fails with a MigrationError that never shows the secret', async () => {
    const { fetch } = fakeEntra({ refuse: true })
    const error = await createMsalTokenProvider(options(fetch))
      .getToken()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MigrationError)
    const text = `${(error as Error).message} ${JSON.stringify(error)}`
    expect(text).toContain('client 11111111-2222-3333-4444-555555555555')
    expect(text).not.toContain(SECRET)
  })

  it('signs a client assertion with a certificate instead of sending a secret', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const thumbprint = 'ab'.repeat(32)
    const forms: URLSearchParams[] = []
    const { fetch: entra } = fakeEntra()
    const fetch: Fetch = async (input, init) => {
      const request = new Request(input, init)
      if (request.method !== 'POST') return entra(request)
      const form = new URLSearchParams(await request.text())
      forms.push(form)
      const [header = '', payload = '', signature = ''] = (form.get('client_assertion') ?? '').split('.')
      const valid = verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        Buffer.from(signature, 'base64url'),
      )
      if (!valid) return Response.json({ error: 'invalid_client' }, { status: 401 })
      return Response.json({ token_type: 'Bearer', expires_in: 3599, access_token: 'cert-token' })
    }
    const provider = createMsalTokenProvider({
      authority: AUTHORITY,
      clientId: '11111111-2222-3333-4444-555555555555',
      clientCertificate: { thumbprintSha256: thumbprint.toUpperCase(), privateKey: pem },
      scope: 'https://contoso.crm.dynamics.test/.default',
      fetch,
    })
    expect(await provider.getToken()).toBe('cert-token')
    const form = forms[0]
    expect(form?.get('client_secret')).toBeNull()
    expect(form?.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    const header = JSON.parse(
      Buffer.from(form?.get('client_assertion')?.split('.')[0] ?? '', 'base64url').toString(),
    ) as Record<string, unknown>
    expect(header['alg']).toBe('PS256')
    expect(header['x5t#S256']).toBe(Buffer.from(thumbprint, 'hex').toString('base64url'))
  })

  it('refuses a malformed certificate with a ConfigError naming the field', () => {
    const error = (() => {
      try {
        createMsalTokenProvider({
          authority: AUTHORITY,
          clientId: 'c',
          clientCertificate: { thumbprintSha256: 'abc', privateKey: 'not a key' },
          scope: 's',
          fetch: fakeEntra().fetch,
        })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues).toHaveLength(2)
    expect((error as ConfigError).message).toContain('clientCertificate.thumbprintSha256')
    expect((error as ConfigError).message).not.toContain('not a key')
  })
  it('names the network failure, not the credentials, when the authority never answers (MSAL hides it)', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['ECONNREFUSED', { address: '127.0.0.1', port: 9 }, /127\.0\.0\.1:9 was refused \(ECONNREFUSED\)/],
      [
        'ENOTFOUND',
        { hostname: 'login.sim.test' },
        /login\.sim\.test could not be resolved \(DNS ENOTFOUND\)/,
      ],
      [
        'SELF_SIGNED_CERT_IN_CHAIN',
        {},
        /certificate of login\.sim\.test is not trusted.*target\.dataverse\.caFile/,
      ],
    ]
    for (const [code, fields, said] of cases) {
      const fetch: Fetch = async () => {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code, ...fields }) })
      }
      const error = await createMsalTokenProvider(options(fetch))
        .getToken()
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(MigrationError)
      const message = (error as Error).message
      expect(message).toMatch(said)
      expect(message).toContain('openid-configuration got no answer')
      expect(message).not.toMatch(/Check the tenant|endpoints_resolution_error/)
      expect(message).not.toContain(SECRET)
    }
  })

  it('still sends a refusal by the token endpoint to the credentials', async () => {
    const { fetch } = fakeEntra({ refuse: true })
    const error = await createMsalTokenProvider(options(fetch))
      .getToken()
      .catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/Check the tenant \(authority\), client id, client secret/)
  })
})
