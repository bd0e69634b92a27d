import { describe, expect, it } from 'vitest'
import { describeNetworkFailure } from './network-failure.ts'

/** What undici's fetch throws: a TypeError whose cause carries Node's code. */
function fetchFailed(code: string, fields: Record<string, unknown> = {}): TypeError {
  return new TypeError('fetch failed', {
    cause: Object.assign(new Error(`boom ${code}`), { code, ...fields }),
  })
}

describe('describeNetworkFailure', () => {
  it('names host and port of a refused connection, and who should be listening', () => {
    const failure = describeNetworkFailure(
      fetchFailed('ECONNREFUSED', { address: '127.0.0.1', port: 4711 }),
      {
        server: 'Dataverse',
      },
    )
    expect(failure).toEqual({
      kind: 'refused',
      code: 'ECONNREFUSED',
      permanent: false,
      sentence:
        'the connection to 127.0.0.1:4711 was refused (ECONNREFUSED): is Dataverse running and reachable at that address and port?',
    })
  })

  it('finds a refused connection inside an AggregateError (one per address tried), the port from the URL', () => {
    const aggregate = new AggregateError(
      [Object.assign(new Error('x'), { code: 'ECONNREFUSED' })],
      'all failed',
    )
    const failure = describeNetworkFailure(new TypeError('fetch failed', { cause: aggregate }), {
      url: 'https://crm.example.com/index.php/api2/Accounts',
      server: 'X2CRM',
    })
    expect(failure?.sentence).toContain('the connection to crm.example.com:443 was refused')
  })

  it('names the host name DNS could not resolve; a missing name is permanent, a resolver hiccup is not', () => {
    const missing = describeNetworkFailure(fetchFailed('ENOTFOUND', { hostname: 'nonexistent.invalid' }))
    expect(missing).toMatchObject({ kind: 'dns', permanent: true })
    expect(missing?.sentence).toContain(
      'the host name nonexistent.invalid could not be resolved (DNS ENOTFOUND)',
    )
    expect(describeNetworkFailure(fetchFailed('EAI_AGAIN', { hostname: 'x.test' }))?.permanent).toBe(false)
  })

  it('tells each certificate problem apart and points at target.dataverse.caFile (X2CRM: NODE_EXTRA_CA_CERTS)', () => {
    const url = 'https://org.example.com/api/data/v9.2/accounts'
    const cases: [string, RegExp][] = [
      ['DEPTH_ZERO_SELF_SIGNED_CERT', /it is self-signed/],
      ['SELF_SIGNED_CERT_IN_CHAIN', /self-signed certificate nobody here trusts/],
      ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', /unknown certificate authority/],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /unknown certificate authority/],
      ['ERR_TLS_CERT_ALTNAME_INVALID', /made for another host name/],
      ['CERT_HAS_EXPIRED', /it has expired/],
      ['ERR_SSL_WRONG_VERSION_NUMBER', /it cannot be verified/],
    ]
    for (const [code, said] of cases) {
      const failure = describeNetworkFailure(fetchFailed(code), { url })
      expect(failure).toMatchObject({ kind: 'tls', code, permanent: true })
      expect(failure?.sentence).toMatch(said)
      expect(failure?.sentence).toContain('the TLS certificate of org.example.com is not trusted')
      expect(failure?.sentence).toContain('target.dataverse.caFile')
    }
    const x2crm = describeNetworkFailure(fetchFailed('CERT_HAS_EXPIRED'), { url, server: 'X2CRM' })
    expect(x2crm?.sentence).toContain('NODE_EXTRA_CA_CERTS')
    const altname = describeNetworkFailure(
      fetchFailed('ERR_TLS_CERT_ALTNAME_INVALID', { reason: "Host: a.test. is not in the cert's altnames" }),
    )
    expect(altname?.sentence).toContain("Host: a.test. is not in the cert's altnames")
  })

  it('tells timeouts and lost connections', () => {
    expect(
      describeNetworkFailure(fetchFailed('UND_ERR_CONNECT_TIMEOUT'), { url: 'https://a.test/' }),
    ).toMatchObject({
      kind: 'timeout',
      sentence: expect.stringContaining('a.test did not answer in time (UND_ERR_CONNECT_TIMEOUT)') as string,
    })
    expect(describeNetworkFailure(new DOMException('timed out', 'TimeoutError'))?.kind).toBe('timeout')
    expect(describeNetworkFailure(fetchFailed('ECONNRESET'))?.kind).toBe('closed')
  })

  it('finds nothing in errors that are not network failures', () => {
    expect(describeNetworkFailure(new RangeError('bug'))).toBeUndefined()
    expect(describeNetworkFailure(Object.assign(new Error('x'), { code: 'SQLITE_FULL' }))).toBeUndefined()
    expect(describeNetworkFailure('a string')).toBeUndefined()
    const loop: { cause?: unknown } = new Error('loop')
    loop.cause = loop
    expect(describeNetworkFailure(loop)).toBeUndefined()
  })
})
