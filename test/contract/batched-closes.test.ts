import { describe, expect, it } from 'vitest'
import { simulatedClient } from '../helpers/simulated-client.ts'
import { targetIdFor } from '../../src/mapping/target-id.ts'

/**
 * Closing actions sent many to a `$batch` (the client's callActions) against the simulator. Microsoft: a batch runs
 * its requests "sequentially in the order they're specified", "the order of the responses match the order of the
 * requests", up to 1,000 requests a batch; with `Prefer: odata.continue-on-error` a failed request answers in its
 * slot and the ones after it still run (Execute batch operations using the Web API,
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api).
 * WinOpportunity / LoseOpportunity and CloseIncident are unbound actions, POST {api}/WinOpportunity
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/winopportunity,
 * https://learn.microsoft.com/en-us/previous-versions/dynamicscrm-2016/developers-guide/mt607498(v=crm.8)).
 */
const connect = simulatedClient

const opportunityIds = (n: number) =>
  Array.from({ length: n }, (_, i) => targetIdFor('batched', 'Opportunities', i + 1))

const winOrLose = (id: string, i: number) => ({
  name: i % 2 === 0 ? 'WinOpportunity' : 'LoseOpportunity',
  body: {
    Status: i % 2 === 0 ? 3 : 4,
    OpportunityClose: { subject: `Close ${i}`, 'opportunityid@odata.bind': `/opportunities(${id})` },
  },
})

describe('closing actions in one $batch', () => {
  it('closes each opportunity as its own request; the one already closed is refused alone, the rest close', async () => {
    const { sim, target } = connect()
    const ids = opportunityIds(6)
    sim.seed(
      'opportunity',
      ids.map((opportunityid, i) => ({ opportunityid, name: `Deal ${i}`, statecode: i === 2 ? 1 : 0 })),
    )
    const before = sim.stats()
    const outcomes = await target.callActions?.(ids.map(winOrLose))
    expect(outcomes?.map((o) => o.status)).toEqual(['done', 'done', 'refused', 'done', 'done', 'done'])
    const refused = outcomes?.[2]
    expect(refused?.status === 'refused' && [refused.httpStatus, refused.reason]).toEqual([
      400,
      expect.stringContaining('already closed') as unknown,
    ])
    const states = new Map(sim.rows('opportunity').map((r) => [r['opportunityid'], r['statecode']]))
    expect(ids.map((id) => states.get(id))).toEqual([1, 2, 1, 2, 1, 2])
    expect(sim.rows('opportunityclose')).toHaveLength(5)
    // One HTTP request for the six actions; the simulator still runs (and counts) each action.
    const after = sim.stats()
    expect(after.requests - before.requests).toBe(1)
    expect((after.byOperation['WinOpportunity'] ?? 0) + (after.byOperation['LoseOpportunity'] ?? 0)).toBe(6)
  })

  it('resolves cases with CloseIncident inside a batch; an unknown case is refused alone', async () => {
    const { sim, target } = connect()
    const contact = targetIdFor('batched', 'Contacts', 1)
    sim.seed('contact', [{ contactid: contact, lastname: 'Smith' }])
    const cases = [1, 2, 3].map((i) => targetIdFor('batched', 'Services', i))
    sim.seed(
      'incident',
      cases.slice(0, 2).map((incidentid, i) => ({
        incidentid,
        title: `Case ${i}`,
        statecode: 0,
        statuscode: 1,
        _customerid_value: contact,
      })),
    )
    const outcomes = await target.callActions?.(
      cases.map((id, i) => ({
        name: 'CloseIncident',
        body: {
          Status: 5,
          IncidentResolution: { subject: `Fixed ${i}`, 'incidentid@odata.bind': `/incidents(${id})` },
        },
      })),
    )
    expect(outcomes?.map((o) => o.status)).toEqual(['done', 'done', 'refused'])
    expect(outcomes?.[2]).toMatchObject({ httpStatus: 404 })
    expect(sim.rows('incident').map((r) => r['statecode'])).toEqual([1, 1])
    expect(sim.rows('incidentresolution')).toHaveLength(2)
  })

  it('a $batch whose answer was lost is sent again: every action is refused as already closed, none closes twice', async () => {
    const { sim, target, retries } = connect()
    const ids = opportunityIds(4)
    sim.seed(
      'opportunity',
      ids.map((opportunityid, i) => ({ opportunityid, name: `Deal ${i}`, statecode: 0 })),
    )
    sim.injectFault({ kind: 'reset', afterApply: true, match: (r) => r.method !== 'GET' })
    const outcomes = await target.callActions?.(ids.map(winOrLose))
    expect(retries).toEqual(['network error ECONNRESET'])
    // As a single WinOpportunity retried after a lost answer (retry-after-lost-answer.test.ts): refused, closed once.
    expect(outcomes?.every((o) => o.status === 'refused' && /already closed/.test(o.reason))).toBe(true)
    expect(sim.rows('opportunityclose')).toHaveLength(4)
    expect(sim.rows('opportunity').map((r) => r['statecode'])).toEqual([1, 2, 1, 2])
  })
})
