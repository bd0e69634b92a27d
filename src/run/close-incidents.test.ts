import { describe, expect, it } from 'vitest'
import type { Ledger } from '../ledger/ledger.ts'
import { DEFAULT_CASE_CLOSE, servicesMap } from '../mapping/default-cases.ts'
import { accountsContactsMapping, CONTACT } from '../mapping/default-map.ts'
import { planLoad } from '../plan/plan-load.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'
import type { DataverseBulkTarget } from '../target/dataverse/types.ts'
import { caseStateMismatch, caseStateOf, closeCases, closeIncidentBody } from './close-incidents.ts'

const aCase = (values: Record<string, unknown> = {}) => ({
  id: 1003,
  subject: 'Password reset request',
  status: 'Closed - Resolved',
  resolution: null,
  lastUpdated: 1755510520,
  ...values,
})

describe('closing cases', () => {
  it('reads the state from the status, trimmed and ignoring case; unknown or empty statuses stay open', () => {
    expect(caseStateOf(DEFAULT_CASE_CLOSE, aCase())).toBe('resolved')
    expect(caseStateOf(DEFAULT_CASE_CLOSE, aCase({ status: ' closed - no response ' }))).toBe('cancelled')
    expect(caseStateOf(DEFAULT_CASE_CLOSE, aCase({ status: 'WIP' }))).toBe('open')
    expect(caseStateOf(DEFAULT_CASE_CLOSE, aCase({ status: null }))).toBe('open')
  })

  it('resolves with the resolution text as subject, else "Resolved: <title>", dated by the last update', () => {
    const body = closeIncidentBody(DEFAULT_CASE_CLOSE, aCase(), 'c-1', 'r-1')
    expect(body).toEqual({
      Status: 5,
      IncidentResolution: {
        activityid: 'r-1',
        subject: 'Resolved: Password reset request',
        'incidentid@odata.bind': '/incidents(c-1)',
        actualend: '2025-08-18T09:48:40Z',
      },
    })
    const written = closeIncidentBody(
      DEFAULT_CASE_CLOSE,
      aCase({ resolution: ' Reset via portal ', lastUpdated: 0 }),
      'c',
      'r',
    )
    expect(written['IncidentResolution']).toEqual({
      activityid: 'r',
      subject: 'Reset via portal',
      'incidentid@odata.bind': '/incidents(c)',
    })
  })

  it('verify: a case whose row is not in the state X2CRM says is a mismatch on statecode', () => {
    expect(caseStateMismatch(DEFAULT_CASE_CLOSE, aCase(), { statecode: 1 })).toBeUndefined()
    expect(caseStateMismatch(DEFAULT_CASE_CLOSE, aCase(), { statecode: 0 })).toEqual({
      field: 'status',
      column: 'statecode',
      expected: 1,
      actual: 0,
    })
    expect(caseStateMismatch(undefined, aCase(), { statecode: 0 })).toBeUndefined()
  })
})

describe('closeCases', () => {
  it('closes a child case whose newest outcome is its link pass (the parent case set in pass 2)', async () => {
    const mapping = accountsContactsMapping()
    const { phases } = planLoad({
      ...mapping,
      entities: [...mapping.entities, servicesMap({ entity: 'Contacts', table: CONTACT })],
    })
    const actions: { name: string; body: unknown }[] = []
    const deps = {
      source: {
        async *records() {
          yield aCase({ id: 1013, parentCase: 'Parent_1003' })
        },
      } as unknown as X2crmSource,
      ledger: {
        loaded: async (keys: readonly string[]) =>
          new Map(
            keys.map((k) => [k, { sourceKey: k, targetId: 'c-13', runId: 'r', phase: 'Services.links' }]),
          ),
        sourcesOf: async () => new Map(),
      } as unknown as Pick<Ledger, 'loaded' | 'sourcesOf'>,
      target: {
        async *query() {
          yield { incidentid: 'c-13', statecode: 0 }
        },
        delete: async () => undefined,
        update: async () => undefined,
        callAction: async (name: string, body: unknown) => {
          actions.push({ name, body })
          return {}
        },
      } as unknown as DataverseBulkTarget,
    }
    const summary = await closeCases(phases, 'demo', deps)
    expect(summary).toMatchObject({ resolved: 1, failed: [] })
    expect(actions.map((a) => a.name)).toEqual(['CloseIncident'])
  })

  it('given only some records (a changelog delta), reads those by id and closes only them', async () => {
    const mapping = accountsContactsMapping()
    const { phases } = planLoad({
      ...mapping,
      entities: [...mapping.entities, servicesMap({ entity: 'Contacts', table: CONTACT })],
    })
    const asked: unknown[] = []
    const updated: unknown[] = []
    const deps = {
      source: {
        async *records(_entity: string, options?: { ids?: readonly number[] }) {
          asked.push(options)
          // A source that ignores `ids` still closes only the chosen ones.
          yield aCase({ id: 1003, status: 'Closed - No Response' })
          yield aCase({ id: 1004, status: 'Closed - No Response' })
        },
      } as unknown as X2crmSource,
      ledger: {
        loaded: async (keys: readonly string[]) =>
          new Map(keys.map((k) => [k, { sourceKey: k, targetId: `t-${k}`, runId: 'r', phase: 'Services' }])),
        sourcesOf: async () => new Map(),
      } as unknown as Pick<Ledger, 'loaded' | 'sourcesOf'>,
      target: {
        async *query() {
          yield { incidentid: 't-Services:1003', statecode: 0 }
          yield { incidentid: 't-Services:1004', statecode: 0 }
        },
        update: async (_table: unknown, row: unknown) => void updated.push(row),
      } as unknown as DataverseBulkTarget,
    }
    const summary = await closeCases(
      phases,
      'demo',
      deps,
      undefined,
      new Set(['Services:1003', 'Contacts:1']),
    )
    expect(asked).toEqual([{ ids: [1003] }])
    expect(summary).toMatchObject({ cancelled: 1, failed: [] })
    expect(updated).toEqual([{ targetId: 't-Services:1003', values: { statecode: 2, statuscode: 6 } }])
    asked.length = 0
    await closeCases(phases, 'demo', deps, undefined, new Set(['Contacts:1']))
    expect(asked).toEqual([])
  })
})
