import type { SimRequest } from '../../serve.ts'
import { entraErrorResponse, entraErrors, type EntraError } from './entra-errors.ts'
import type { AppUser, TokenStore } from './tokens.ts'

export interface EntraOptions {
  origin: string
  tenantId: string
  appUsers: readonly AppUser[]
  tokens: TokenStore
  clock: () => number
}

/**
 * The slice of Microsoft Entra ID that MSAL's client-credentials flow talks to:
 * OIDC discovery, instance discovery, JWKS and the v2.0 token endpoint.
 * Returns undefined for paths that are not identity endpoints.
 */
export function createEntraHandler(
  options: EntraOptions,
): (request: SimRequest) => Promise<Response | undefined> {
  const { origin, tenantId } = options
  const knownTenant = (tenant: string) => tenant.toLowerCase() === tenantId.toLowerCase()
  const discoveryTenant = (tenant: string) =>
    knownTenant(tenant) || tenant === 'common' || tenant === 'organizations'

  return async (request) => {
    const url = new URL(request.url)
    const [tenant, ...rest] = url.pathname.split('/').filter((s) => s !== '')
    if (tenant === undefined || tenant === 'api') return undefined
    const path = rest.join('/')
    const now = new Date(options.clock())
    const correlationId = request.headers.get('client-request-id')

    if (tenant === 'common' && path === 'discovery/instance' && request.method === 'GET') {
      return Response.json(instanceDiscovery(origin, tenantId))
    }
    if (path === 'v2.0/.well-known/openid-configuration' && request.method === 'GET') {
      if (!discoveryTenant(tenant))
        return entraErrorResponse(entraErrors.unknownTenant(tenant), now, correlationId)
      return Response.json(openIdConfiguration(origin, tenant, knownTenant(tenant) ? tenantId : '{tenantid}'))
    }
    if (path === 'discovery/v2.0/keys' && request.method === 'GET') {
      // Tokens are opaque here (nobody validates a signature), so the key set is empty.
      return Response.json({ keys: [] })
    }
    if (path === 'oauth2/v2.0/token' && request.method === 'POST') {
      if (!knownTenant(tenant))
        return entraErrorResponse(entraErrors.unknownTenant(tenant), now, correlationId)
      const form = new URLSearchParams(await request.text())
      const result = grantClientCredentials(form, options)
      if ('error' in result) return entraErrorResponse(result.error, now, correlationId)
      const issued = options.tokens.issue(result.user)
      return Response.json(
        {
          token_type: 'Bearer',
          expires_in: issued.expiresInSeconds,
          ext_expires_in: issued.expiresInSeconds,
          access_token: issued.accessToken,
        },
        { headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' } },
      )
    }
    return undefined
  }
}

type GrantResult = { user: AppUser } | { error: EntraError }

/** Checks in the order Entra ID reports them: grant type, client, secret, scope. */
function grantClientCredentials(form: URLSearchParams, options: EntraOptions): GrantResult {
  if (form.get('grant_type') !== 'client_credentials') return { error: entraErrors.unsupportedGrant() }
  const clientId = form.get('client_id') ?? ''
  const user = options.appUsers.find((u) => u.clientId.toLowerCase() === clientId.toLowerCase())
  if (!user) return { error: entraErrors.unknownClient(clientId, options.tenantId) }
  const secret = form.get('client_secret')
  if (secret === null || secret === '') return { error: entraErrors.missingClientSecret() }
  if (secret !== user.clientSecret) return { error: entraErrors.invalidClientSecret(user.clientId) }
  const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s !== '')
  if (scopes.length === 0) return { error: entraErrors.missingScope() }
  for (const scope of scopes) {
    if (!scope.endsWith('/.default')) return { error: entraErrors.scopeNotDefault(scope) }
    const resource = scope.slice(0, -'/.default'.length).replace(/\/+$/, '')
    if (resource.toLowerCase() !== options.origin.toLowerCase()) {
      return { error: entraErrors.unknownResource(resource, options.tenantId) }
    }
  }
  return { user }
}

/** Shape of https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration */
export function openIdConfiguration(origin: string, tenant: string, issuerTenant: string) {
  const base = `${origin}/${tenant}`
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${origin}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid'],
    tenant_region_scope: 'NA',
    cloud_instance_name: new URL(origin).host,
    cloud_graph_host_name: new URL(origin).host,
    msgraph_host: new URL(origin).host,
  }
}

/** Shape of https://login.microsoftonline.com/common/discovery/instance?api-version=1.1 */
function instanceDiscovery(origin: string, tenantId: string) {
  const host = new URL(origin).host
  return {
    tenant_discovery_endpoint: `${origin}/${tenantId}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  }
}
