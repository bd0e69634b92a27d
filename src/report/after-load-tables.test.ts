import { describe, expect, it } from 'vitest'
import { afterLoadRows } from './after-load-tables.ts'

describe('rows written after the phases, for the report', () => {
  it('reads them from the migration’s summary', () => {
    const summary = {
      cases: { resolved: 1, cancelled: 1, alreadyClosed: 0, failed: [] },
      lists: { added: 25, failed: [{ sourceKey: 'X2List:2', reason: 'x' }] },
      connections: { connected: 6, rolesCreated: 2, failed: [] },
      tagRows: { rows: 28, failed: [] },
    }
    expect(afterLoadRows(summary, 'new_x2crmtag')).toEqual([
      ['incidentresolution', 1, 0],
      ['listmember', 25, 1],
      ['connection', 6, 0],
      ['connectionrole', 2, 0],
      ['new_x2crmtag', 28, 0],
    ])
    expect(afterLoadRows(summary, undefined).map(([table]) => table)).not.toContain('new_x2crmtag')
    expect(afterLoadRows(undefined, undefined)).toEqual([])
  })
})
