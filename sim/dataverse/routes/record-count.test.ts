import { describe, expect, it } from 'vitest'
import { connect, errorOf, requestToken } from '../test-helpers.ts'

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/reference/retrievetotalrecordcount
// ("a snapshot within the past 24 hours of the total number of rows": query/count-rows)
describe('RetrieveTotalRecordCount', () => {
  it('counts each table from a snapshot that is at most 24 hours old', async () => {
    let now = Date.UTC(2026, 0, 1)
    const api = await connect({ clock: () => now })
    for (const name of ['A', 'B']) await api.call('POST', 'accounts', { name })
    const path =
      'RetrieveTotalRecordCount(EntityNames=@p1)?@p1=' + encodeURIComponent('["account","contact"]')
    const first = await api.call('GET', path)
    expect(first.status).toBe(200)
    expect(first.body).toEqual({
      '@odata.context':
        'https://127.0.0.1/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse',
      EntityRecordCountCollection: {
        Count: 2,
        IsReadOnly: false,
        Keys: ['account', 'contact'],
        Values: [2, 0],
      },
    })
    await api.call('POST', 'accounts', { name: 'C' })
    now += 23 * 3600_000
    // tokens last an hour: sign in again after moving the clock
    const signedIn = async () => ({
      authorization: `Bearer ${String((await requestToken(api.sim)).body.access_token)}`,
    })
    const stale = await api.call(
      'GET',
      "RetrieveTotalRecordCount(EntityNames=['account'])",
      undefined,
      await signedIn(),
    )
    expect(
      (stale.body as { EntityRecordCountCollection: { Values: number[] } }).EntityRecordCountCollection
        .Values,
    ).toEqual([2])
    now += 3600_000
    const fresh = await api.call(
      'GET',
      "RetrieveTotalRecordCount(EntityNames=['account'])",
      undefined,
      await signedIn(),
    )
    expect(
      (fresh.body as { EntityRecordCountCollection: { Values: number[] } }).EntityRecordCountCollection
        .Values,
    ).toEqual([3])
  })

  it('refuses an unknown table', async () => {
    const api = await connect()
    const result = await api.call('GET', "RetrieveTotalRecordCount(EntityNames=['nope'])")
    expect(result.status).toBe(404)
    expect(errorOf(result).message).toBe("Could not find entity with name 'nope'.")
  })
})
