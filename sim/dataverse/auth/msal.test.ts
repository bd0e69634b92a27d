import {
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node'
import { describe, expect, it } from 'vitest'
import { createDataverseSimulator, type DataverseSimulator } from '../index.ts'

/** MSAL's INetworkModule served in-process by the simulator's handler (no sockets). */
function inProcessNetwork(sim: DataverseSimulator, seen: string[]): INetworkModule {
  const send = async <T>(
    method: string,
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> => {
    seen.push(`${method} ${new URL(url).pathname}`)
    const response = await sim.handle(
      new Request(url, { method, headers: options?.headers, body: options?.body }),
    )
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => (headers[name] = value))
    return { status: response.status, headers, body: (await response.json()) as T }
  }
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  }
}

function msalFor(sim: DataverseSimulator, seen: string[], secret?: string, knownAuthorities = true) {
  const s = sim.settings()
  return new ConfidentialClientApplication({
    auth: {
      clientId: s.clientId,
      clientSecret: secret ?? s.clientSecret,
      authority: s.authority,
      knownAuthorities: knownAuthorities ? [new URL(s.url).host] : [],
    },
    system: { networkClient: inProcessNetwork(sim, seen) },
  })
}

describe('Entra ID token endpoint with the real msal-node client (in-process)', () => {
  const origin = 'https://127.0.0.1:8443'

  it('issues a token MSAL accepts and the Web API honours', async () => {
    const sim = createDataverseSimulator({ origin })
    const seen: string[] = []
    const result = await msalFor(sim, seen).acquireTokenByClientCredential({ scopes: [sim.settings().scope] })
    expect(result?.tokenType).toBe('Bearer')
    expect(result?.accessToken).toMatch(/^[\w-]{20,}$/)
    // With knownAuthorities MSAL skips instance discovery and reads the tenant's OIDC document.
    expect(seen).toEqual([
      `GET /${sim.settings().tenantId}/v2.0/.well-known/openid-configuration`,
      `POST /${sim.settings().tenantId}/oauth2/v2.0/token`,
    ])
    const whoAmI = await sim.handle(
      new Request(`${sim.settings().apiUrl}WhoAmI`, {
        headers: { authorization: `Bearer ${result?.accessToken}` },
      }),
    )
    expect(whoAmI.status).toBe(200)
  })

  it('also works without knownAuthorities, answering the instance discovery MSAL then sends to login.microsoftonline.com', async () => {
    const sim = createDataverseSimulator({ origin })
    const seen: string[] = []
    const result = await msalFor(sim, seen, undefined, false).acquireTokenByClientCredential({
      scopes: [sim.settings().scope],
    })
    expect(result?.accessToken).toBeTruthy()
    expect(seen[0]).toBe('GET /common/discovery/instance')
  })

  it('answers a wrong secret with AADSTS7000215, which MSAL surfaces as invalid_client', async () => {
    const sim = createDataverseSimulator({ origin })
    const attempt = msalFor(sim, [], 'nope').acquireTokenByClientCredential({
      scopes: [sim.settings().scope],
    })
    await expect(attempt).rejects.toMatchObject({ errorCode: 'invalid_client' })
    await expect(attempt).rejects.toThrow(/AADSTS7000215: Invalid client secret provided/)
  })

  it('answers a scope for another resource with AADSTS500011', async () => {
    const sim = createDataverseSimulator({ origin })
    const attempt = msalFor(sim, []).acquireTokenByClientCredential({
      scopes: ['https://contoso.crm.dynamics.com/.default'],
    })
    await expect(attempt).rejects.toMatchObject({ errorCode: 'invalid_resource' })
  })
})
