import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { cannotDeactivate, inactiveState } from './retire.ts'

/** tables.json: each table's state and status options, as Dataverse defines them. */
const tables = JSON.parse(
  readFileSync(new URL('../../sim/dataverse/tables.json', import.meta.url), 'utf8'),
) as Record<string, { columns: { name: string; options?: { value: number; state?: number }[] }[] }>

describe('inactiveState', () => {
  it('gives every table a status reason that belongs to its state (tables.json)', () => {
    for (const [logicalName, table] of Object.entries(tables)) {
      const state = inactiveState(logicalName)
      if (state === undefined) continue
      const states = table.columns.find((c) => c.name === 'statecode')?.options ?? []
      const reasons = table.columns.find((c) => c.name === 'statuscode')?.options ?? []
      expect(
        states.map((o) => o.value),
        logicalName,
      ).toContain(state.statecode)
      expect(reasons.find((o) => o.value === state.statuscode)?.state, logicalName).toBe(state.statecode)
      // Never the state a create produces: that would not deactivate anything.
      expect(state.statecode, logicalName).not.toBe(states[0]?.value)
    }
  })

  it('refuses tables closed by an action or without a state, and says what to do', () => {
    expect(inactiveState('opportunity')).toBeUndefined()
    expect(cannotDeactivate('opportunity')).toMatch(/closed by an action.*run\.delta\.deletions: delete/)
    expect(inactiveState('annotation')).toBeUndefined()
    expect(cannotDeactivate('annotation')).toMatch(/no active\/inactive state/)
  })

  it('cancels activities and disqualifies leads', () => {
    expect(inactiveState('task')).toEqual({ statecode: 2, statuscode: 6 })
    expect(inactiveState('lead')).toEqual({ statecode: 2, statuscode: 7 })
    expect(inactiveState('new_vendor')).toEqual({ statecode: 1, statuscode: 2 })
  })
})
