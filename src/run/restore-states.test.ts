import { describe, expect, it } from 'vitest'
import { closeStepFor, productStateFor } from './restore-states.ts'

const image = (entitySet: string, values: Record<string, unknown>) => ({
  entitySet,
  targetId: 'row-1',
  values,
})

describe('closeStepFor', () => {
  it('closes a won or lost opportunity through its action, with the status its image holds', () => {
    expect(closeStepFor(image('opportunities', { statecode: 1, statuscode: 3 }), 'close-1')).toMatchObject({
      action: 'WinOpportunity',
      body: {
        Status: 3,
        OpportunityClose: { activityid: 'close-1', 'opportunityid@odata.bind': '/opportunities(row-1)' },
      },
      helperRow: { entitySet: 'opportunitycloses' },
    })
    expect(closeStepFor(image('opportunities', { statecode: 2, statuscode: 5 }), 'c')).toMatchObject({
      action: 'LoseOpportunity',
      body: { Status: 5 },
    })
  })

  it('resolves a case through CloseIncident, and cancels one by PATCH', () => {
    expect(closeStepFor(image('incidents', { statecode: 1, statuscode: 5 }), 'r')).toMatchObject({
      action: 'CloseIncident',
      body: { Status: 5, IncidentResolution: { activityid: 'r' } },
      helperRow: { entitySet: 'incidentresolutions' },
    })
    const cancel = closeStepFor(image('incidents', { statecode: 2, statuscode: 6 }), 'r')
    expect(cancel?.action).toBeUndefined()
    expect(cancel?.table.entitySet).toBe('incidents')
    expect(cancel?.body).toEqual({ statecode: 2, statuscode: 6 })
  })

  it('leaves open rows, rows without a state in their image, and other tables', () => {
    expect(closeStepFor(image('opportunities', { statecode: 0, statuscode: 1 }), 'c')).toBeUndefined()
    expect(closeStepFor(image('opportunities', { name: 'Deal' }), 'c')).toBeUndefined()
    expect(closeStepFor(image('accounts', { statecode: 1, statuscode: 2 }), 'c')).toBeUndefined()
  })
})

// https://learn.microsoft.com/dynamics365/sales/developer/publish-revise-revert-retire-activate-products
describe('productStateFor', () => {
  const image = (statecode: unknown, statuscode?: number) => ({
    entitySet: 'products',
    values: { statecode, ...(statuscode !== undefined && { statuscode }) },
  })
  it('puts a product back Active or Retired as its image says, when it is in the other state now', () => {
    expect(productStateFor(image(0, 1), 1)).toEqual({ statecode: 0, statuscode: 1 })
    expect(productStateFor(image(1), 0)).toEqual({ statecode: 1, statuscode: 2 })
  })
  it('leaves a product in its image state, a draft, one under revision, and other tables', () => {
    expect(productStateFor(image(0, 1), 0)).toBeUndefined()
    expect(productStateFor(image(0, 1), 2)).toBeUndefined()
    expect(productStateFor(image(2), 0)).toBeUndefined()
    expect(productStateFor(image(3), 1)).toBeUndefined()
    expect(productStateFor({ ...image(0, 1), entitySet: 'quotes' }, 2)).toBeUndefined()
  })
})
