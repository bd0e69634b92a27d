import { describe, expect, it } from 'vitest'
import { DEFAULT_CASE_CLOSE } from '../mapping/default-cases.ts'
import { caseStateMismatch, caseStateOf, closeIncidentBody } from './close-incidents.ts'

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
