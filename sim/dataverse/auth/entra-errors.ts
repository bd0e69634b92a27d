import { randomUUID } from 'node:crypto'

/**
 * Entra ID (AAD) token endpoint error bodies. Shape per the Microsoft identity platform docs
 * ("Microsoft identity platform and OAuth 2.0 client credentials flow", Error response):
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#error-response
 * Codes and texts per https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 */
export interface EntraError {
  status: number
  error: string
  code: number
  description: string
}

export const entraErrors = {
  invalidClientSecret: (clientId: string): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000215,
    description: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
  }),
  missingClientSecret: (): EntraError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000218,
    description:
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  }),
  unknownClient: (clientId: string, tenantId: string): EntraError => ({
    status: 400,
    error: 'unauthorized_client',
    code: 700016,
    description: `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  }),
  unknownResource: (resource: string, tenantId: string): EntraError => ({
    status: 400,
    error: 'invalid_resource',
    code: 500011,
    description: `The resource principal named ${resource} was not found in the tenant named ${tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  }),
  scopeNotDefault: (scope: string): EntraError => ({
    status: 400,
    error: 'invalid_scope',
    code: 1002012,
    description: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  }),
  missingScope: (): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 900144,
    description: "The request body must contain the following parameter: 'scope'.",
  }),
  unsupportedGrant: (): EntraError => ({
    status: 400,
    error: 'unsupported_grant_type',
    code: 70003,
    description: 'The app requested an unsupported grant type.',
  }),
  unknownTenant: (tenant: string): EntraError => ({
    status: 400,
    error: 'invalid_request',
    code: 90002,
    description: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  }),
}

export function entraErrorResponse(error: EntraError, now: Date, correlationId: string | null): Response {
  const traceId = randomUUID()
  const correlation = correlationId ?? randomUUID()
  const timestamp = `${now.toISOString().slice(0, 19).replace('T', ' ')}Z`
  const body = {
    error: error.error,
    error_description: `AADSTS${error.code}: ${error.description} Trace ID: ${traceId} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [error.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${error.code}`,
  }
  return Response.json(body, { status: error.status, headers: { 'cache-control': 'no-store, no-cache' } })
}
