import { describe, expect, it } from 'vitest'
import { buildBatchBody, parseBatchResponse } from './batch-body.ts'

const ID = '00000000-0000-0000-0000-000000000001'

describe('buildBatchBody', () => {
  it('puts each operation in its own change set with Content-ID, CRLF line ends, as Microsoft documents', () => {
    let n = 0
    const { contentType, body } = buildBatchBody(
      [
        { method: 'PATCH', path: `/api/data/v9.2/accounts(${ID})`, body: { name: 'Contoso' } },
        {
          method: 'POST',
          path: '/api/data/v9.2/tasks',
          body: { subject: 'Task 1' },
          headers: { 'MSCRM.BypassBusinessLogicExecution': 'CustomSync' },
        },
      ],
      { newId: () => `id${++n}` },
    )
    expect(contentType).toBe('multipart/mixed; boundary="batch_id1"')
    expect(body.split('\r\n')).toEqual([
      '--batch_id1',
      'Content-Type: multipart/mixed; boundary="changeset_id2"',
      '',
      '--changeset_id2',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 1',
      '',
      `PATCH /api/data/v9.2/accounts(${ID}) HTTP/1.1`,
      'Content-Type: application/json; type=entry',
      '',
      '{"name":"Contoso"}',
      '--changeset_id2--',
      '--batch_id1',
      'Content-Type: multipart/mixed; boundary="changeset_id3"',
      '',
      '--changeset_id3',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 2',
      '',
      'POST /api/data/v9.2/tasks HTTP/1.1',
      'Content-Type: application/json; type=entry',
      'MSCRM.BypassBusinessLogicExecution: CustomSync',
      '',
      '{"subject":"Task 1"}',
      '--changeset_id3--',
      '--batch_id1--',
      '',
    ])
  })

  it('uses fresh boundaries by default', () => {
    const a = buildBatchBody([{ method: 'DELETE', path: `/api/data/v9.2/accounts(${ID})` }])
    const b = buildBatchBody([{ method: 'DELETE', path: `/api/data/v9.2/accounts(${ID})` }])
    expect(a.contentType).toMatch(/^multipart\/mixed; boundary="batch_[0-9a-f-]{36}"$/)
    expect(a.contentType).not.toBe(b.contentType)
  })
})

describe('parseBatchResponse', () => {
  it('reads the documented response: a change set with a 204, then a GET with a JSON body (LF line ends)', () => {
    // "Execute batch operations using the Web API", response example (webapi.md §3.3).
    const body = `--batchresponse_f27ef42d-51b0-4685-bac9-f468f844de2e
Content-Type: multipart/mixed; boundary=changesetresponse_64cc3fff-023a-45b0-b29d-df21583ffa15

--changesetresponse_64cc3fff-023a-45b0-b29d-df21583ffa15
Content-Type: application/http
Content-Transfer-Encoding: binary
Content-ID: 1

HTTP/1.1 204 No Content
OData-Version: 4.0
Location: https://org.crm.dynamics.com/api/data/v9.2/tasks(e73ffc82-a2c9-ec11-a7b5-000d3a5e1b3b)
OData-EntityId: https://org.crm.dynamics.com/api/data/v9.2/tasks(e73ffc82-a2c9-ec11-a7b5-000d3a5e1b3b)


--changesetresponse_64cc3fff-023a-45b0-b29d-df21583ffa15--
--batchresponse_f27ef42d-51b0-4685-bac9-f468f844de2e
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 200 OK
Content-Type: application/json; odata.metadata=minimal; odata.streaming=true
OData-Version: 4.0

{"@odata.context":"https://org.crm.dynamics.com/api/data/v9.2/$metadata#tasks(subject)","value":[{"subject":"Task 1"}]}
--batchresponse_f27ef42d-51b0-4685-bac9-f468f844de2e--
`
    const parts = parseBatchResponse(
      'multipart/mixed; boundary=batchresponse_f27ef42d-51b0-4685-bac9-f468f844de2e',
      body,
    )
    expect(parts).toHaveLength(2)
    expect(parts[0]).toEqual({
      contentId: '1',
      status: 204,
      headers: {
        'odata-version': '4.0',
        location: 'https://org.crm.dynamics.com/api/data/v9.2/tasks(e73ffc82-a2c9-ec11-a7b5-000d3a5e1b3b)',
        'odata-entityid':
          'https://org.crm.dynamics.com/api/data/v9.2/tasks(e73ffc82-a2c9-ec11-a7b5-000d3a5e1b3b)',
      },
      body: undefined,
    })
    expect(parts[1]?.contentId).toBeUndefined()
    expect(parts[1]?.status).toBe(200)
    expect(parts[1]?.body).toEqual({
      '@odata.context': 'https://org.crm.dynamics.com/api/data/v9.2/$metadata#tasks(subject)',
      value: [{ subject: 'Task 1' }],
    })
  })

  it('reads a continue-on-error response where one change set failed (CRLF, quoted boundary)', () => {
    const lines = [
      '--batchresponse_1',
      'Content-Type: multipart/mixed; boundary=changesetresponse_a',
      '',
      '--changesetresponse_a',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 1',
      '',
      'HTTP/1.1 204 No Content',
      'OData-Version: 4.0',
      '',
      '',
      '--changesetresponse_a--',
      '--batchresponse_1',
      'Content-Type: multipart/mixed; boundary=changesetresponse_b',
      '',
      '--changesetresponse_b',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 2',
      '',
      'HTTP/1.1 400 Bad Request',
      'REQ_ID: 5ecd1cb3-1730-4ffc-909c-d44c22270026',
      'Content-Type: application/json; odata.metadata=minimal',
      'OData-Version: 4.0',
      '',
      '{"error":{"code":"0x80044331","message":"A validation error occurred.  The length of the \'name\' attribute of the \'account\' entity exceeded the maximum allowed length of \'160\'."}}',
      '--changesetresponse_b--',
      '--batchresponse_1--',
      '',
    ]
    const parts = parseBatchResponse('multipart/mixed; boundary="batchresponse_1"', lines.join('\r\n'))
    expect(parts.map((p) => [p.contentId, p.status])).toEqual([
      ['1', 204],
      ['2', 400],
    ])
    expect(parts[1]?.body).toEqual({
      error: {
        code: '0x80044331',
        message:
          "A validation error occurred.  The length of the 'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'.",
      },
    })
    expect(parts[1]?.headers['req_id']).toBe('5ecd1cb3-1730-4ffc-909c-d44c22270026')
  })

  it('refuses a content type without a boundary and a part that is not an HTTP response', () => {
    expect(() => parseBatchResponse('application/json', '{}')).toThrow(/no multipart boundary/)
    expect(() =>
      parseBatchResponse(
        'multipart/mixed; boundary=b',
        '--b\r\nContent-Type: application/http\r\n\r\nnonsense\r\n--b--',
      ),
    ).toThrow(/not an HTTP response/)
  })
})
