import { createPrivateKey, X509Certificate } from 'node:crypto'
import { Agent, fetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serve, type Served } from './serve.ts'
import { generateCertificate } from './tls.ts'

describe('generateCertificate', () => {
  let tls: { key: string; cert: string }
  let served: Served

  beforeAll(async () => {
    tls = await generateCertificate()
    served = await serve(async () => new Response('ok'), { tls })
  })
  afterAll(() => served.close())

  it('is for CN 127.0.0.1 with IP 127.0.0.1 and DNS localhost as subject alternative names', () => {
    const x509 = new X509Certificate(tls.cert)
    expect(x509.subject).toBe('CN=127.0.0.1')
    expect(x509.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost')
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(x509.checkHost('localhost')).toBe('localhost')
    expect(x509.checkPrivateKey(createPrivateKey(tls.key))).toBe(true)
  })

  it('is trusted over HTTPS when given as the CA, with verification on', async () => {
    const agent = new Agent({ connect: { ca: tls.cert } })
    const response = await fetch(`${served.origin}/`, { dispatcher: agent })
    expect(await response.text()).toBe('ok')
    await agent.close()
  })

  it('is rejected by a client that does not trust it', async () => {
    const error = await fetch(`${served.origin}/`).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(TypeError)
    expect((error as { cause?: { code?: string } }).cause?.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/)
  })
})
