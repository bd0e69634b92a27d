import { describe, expect, it } from 'vitest'
import { DEFAULT_OPPORTUNITY_CLOSE } from '../mapping/default-objects.ts'
import { closeRequestFor } from './close-opportunities.ts'

describe('closeRequestFor', () => {
  const record = { id: 8, name: 'Globex - Deal 8', quoteAmount: '1250.50', expectedCloseDate: 1786297939 }

  it('wins a Won opportunity with its amount and close date on the opportunityclose', () => {
    const request = closeRequestFor(
      DEFAULT_OPPORTUNITY_CLOSE,
      { ...record, salesStage: 'Won' },
      'abc',
      'Opportunity:8',
    )
    expect(request).toEqual({
      sourceKey: 'Opportunity:8',
      targetId: 'abc',
      action: 'WinOpportunity',
      body: {
        Status: 3,
        OpportunityClose: {
          subject: 'Won: Globex - Deal 8',
          'opportunityid@odata.bind': '/opportunities(abc)',
          actualrevenue: 1250.5,
          actualend: '2026-08-09T17:52:19Z',
        },
      },
    })
  })

  it('loses a Lost one (any case), falls back to the last update for the date, and leaves the others open', () => {
    const lost = closeRequestFor(
      DEFAULT_OPPORTUNITY_CLOSE,
      { ...record, salesStage: ' lost ', expectedCloseDate: 0, lastUpdated: 1786297939, quoteAmount: null },
      'abc',
      'Opportunity:8',
    )
    expect(lost?.action).toBe('LoseOpportunity')
    expect(lost?.body).toEqual({
      Status: 4,
      OpportunityClose: {
        subject: 'Lost: Globex - Deal 8',
        'opportunityid@odata.bind': '/opportunities(abc)',
        actualend: '2026-08-09T17:52:19Z',
      },
    })
    expect(
      closeRequestFor(
        DEFAULT_OPPORTUNITY_CLOSE,
        { ...record, salesStage: 'Working' },
        'abc',
        'Opportunity:8',
      ),
    ).toBeNull()
    expect(
      closeRequestFor(DEFAULT_OPPORTUNITY_CLOSE, { ...record, salesStage: null }, 'abc', 'Opportunity:8'),
    ).toBeNull()
  })
})
