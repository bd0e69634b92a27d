import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { generate } from 'selfsigned'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTrustingFetch } from './trusting-fetch.ts'

describe('createTrustingFetch', () => {
  let server: Server
  let origin: string
  let cert: string

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    })
    cert = pems.cert
    server = createServer({ key: pems.private, cert }, (request, response) => {
      response.setHeader('Content-Type', 'application/json')
      response.end(JSON.stringify({ method: request.method, path: request.url }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('trusts the given certificate', async () => {
    const fetch = createTrustingFetch(cert)
    try {
      const response = await fetch(`${origin}/ping`)
      expect(await response.json()).toEqual({ method: 'GET', path: '/ping' })
      const viaRequest = await fetch(new Request(`${origin}/post`, { method: 'POST', body: 'x' }))
      expect(await viaRequest.json()).toEqual({ method: 'POST', path: '/post' })
    } finally {
      await fetch.close()
    }
  })

  it('still verifies certificates', async () => {
    const other = await generate([{ name: 'commonName', value: 'other' }])
    const fetch = createTrustingFetch(other.cert)
    try {
      await expect(fetch(`${origin}/ping`)).rejects.toThrow(TypeError)
    } finally {
      await fetch.close()
    }
  })
})
