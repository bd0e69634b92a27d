import { describe, expect, it } from 'vitest'
import { connect, errorOf, idFrom, requestToken } from '../test-helpers.ts'
import { bulkDeleteQueueSeconds } from './bulk-delete.ts'

const job = (criteria: unknown, extra: Record<string, unknown> = {}) => ({
  QuerySet: [{ EntityName: 'account', ColumnSet: { AllColumns: true }, Criteria: criteria }],
  JobName: 'Remove test accounts',
  SendEmailNotification: false,
  ToRecipients: [],
  CCRecipients: [],
  RecurrencePattern: '',
  StartDateTime: '2026-01-01T00:00:00Z',
  ...extra,
})

const testAccounts = {
  FilterOperator: 'And',
  Conditions: [
    { AttributeName: 'name', Operator: 'Like', Values: [{ Value: 'Test%', Type: 'System.String' }] },
  ],
}

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/delete-data-bulk
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/asyncoperation
describe('BulkDelete', () => {
  it('answers a JobId at once and deletes the matching rows when the job completes on the clock', async () => {
    let now = Date.UTC(2026, 0, 1)
    const api = await connect({ clock: () => now })
    const doomed = idFrom(await api.call('POST', 'accounts', { name: 'Test 1' }))
    await api.call('POST', 'accounts', { name: 'test 2' })
    await api.call('POST', 'accounts', { name: 'Keep' })
    await api.call('POST', 'contacts', {
      lastname: 'Child',
      'parentcustomerid_account@odata.bind': `accounts(${doomed})`,
    })
    const started = await api.call('POST', 'BulkDelete', job(testAccounts))
    expect(started.status).toBe(200)
    const jobId = (started.body as { JobId: string }).JobId
    const status = async () => {
      const token = String((await requestToken(api.sim)).body.access_token)
      const result = await api.call(
        'GET',
        `asyncoperations(${jobId})?$select=statecode,statuscode,operationtype`,
        undefined,
        {
          authorization: `Bearer ${token}`,
        },
      )
      const body = result.body as { statecode: number; statuscode: number; operationtype: number }
      return [body.statecode, body.statuscode, body.operationtype]
    }
    expect(await status()).toEqual([0, 0, 13])
    expect(api.sim.rows('account')).toHaveLength(3)
    now += bulkDeleteQueueSeconds * 1000
    expect(await status()).toEqual([2, 20, 13])
    now += 1000
    expect(await status()).toEqual([3, 30, 13])
    expect(api.sim.rows('account').map((a) => a.name)).toEqual(['Keep'])
    expect(api.sim.rows('contact')).toEqual([]) // cascade, as a delete
    expect(api.sim.rows('bulkdeleteoperation')).toEqual([
      expect.objectContaining({ successcount: 2, failurecount: 0, _asyncoperationid_value: jobId }),
    ])
  })

  it('refuses an unknown table or column, missing parameters and recurring jobs', async () => {
    const api = await connect()
    const table = await api.call('POST', 'BulkDelete', {
      ...job(testAccounts),
      QuerySet: [{ EntityName: 'nope', Criteria: {} }],
    })
    expect(table.status).toBe(404)
    const column = await api.call(
      'POST',
      'BulkDelete',
      job({ Conditions: [{ AttributeName: 'nope', Operator: 'Equal', Values: [{ Value: 1 }] }] }),
    )
    expect(column.status).toBe(400)
    expect(errorOf(column).message).toContain("'nope'")
    const { JobName: _name, ...noName } = job(testAccounts)
    expect((await api.call('POST', 'BulkDelete', noName)).status).toBe(400)
    const recurring = await api.call(
      'POST',
      'BulkDelete',
      job(testAccounts, { RecurrencePattern: 'FREQ=DAILY;INTERVAL=1' }),
    )
    expect(recurring.status).toBe(400)
    expect(api.sim.rows('asyncoperation')).toEqual([])
  })
})
