import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { describeFlow, renderWorkflowDocument, type X2FlowRow } from './workflow-doc.ts'

/** The one X2Flow of the real instance, read from its SQL dump (`x2_flows` row 1). */
function fixtureFlow(): X2FlowRow {
  const sql = readFileSync(
    new URL('../../test/fixtures/x2crm/fixture/x2crm-7.1.sql', import.meta.url),
    'utf8',
  )
  const row =
    /INSERT INTO `x2_flows` VALUES\s*\((\d+),(\d),'([^']*)','([^']*)','([^']*)','([^']*)','((?:[^'\\]|\\.)*)'/.exec(
      sql,
    )
  if (row === null) throw new Error('x2_flows row not found in the fixture dump')
  const [, id, active, name, description, triggerType, modelClass, flow] = row
  return {
    id: Number(id),
    active: active === '1',
    name: name ?? '',
    description: description ?? null,
    triggerType: triggerType ?? '',
    modelClass: modelClass ?? null,
    flow: JSON.parse((flow ?? '').replace(/\\"/g, '"').replace(/\\\\/g, '\\')) as unknown,
  }
}

describe('the Workflow Reconstruction Document', () => {
  it('writes the real instance flow as a trigger, a step and the Power Automate pieces to rebuild it', () => {
    const doc = describeFlow(fixtureFlow())
    expect(doc).toMatchObject({
      name: 'Tag new contacts',
      active: true,
      trigger: {
        type: 'RecordCreateTrigger',
        says: 'when a record is created',
        table: 'Contacts (contact)',
        conditions: [],
      },
      steps: ['1. add tag(s) #new-lead'],
      unknown: [],
    })
    expect(doc.trigger.powerAutomate).toContain('Change type: Added')
    expect(doc.powerAutomate[0]).toContain('Update a row')
    const markdown = renderWorkflowDocument([fixtureFlow()])
    expect(markdown).toContain('## Tag new contacts (X2Flow 1)')
    expect(markdown).toContain('Adds #new-lead to every newly created contact')
  })

  it('follows conditions, branches and waits, and flags what it cannot describe', () => {
    const flow: X2FlowRow = {
      id: 7,
      active: false,
      name: 'Chase stale deals',
      description: null,
      triggerType: 'RecordUpdateTrigger',
      modelClass: 'Opportunity',
      flow: {
        trigger: {
          type: 'RecordUpdateTrigger',
          modelClass: 'Opportunity',
          conditions: [{ type: 'attribute', name: 'salesStage', operator: '=', value: 'Working' }],
        },
        items: [
          { type: 'X2FlowWait', options: { delay: { value: '3' }, unit: { value: 'days' } } },
          {
            type: 'X2FlowSwitch',
            options: [],
            conditions: [{ type: 'attribute', name: 'probability', operator: '<', value: '50' }],
            trueBranch: [
              {
                type: 'X2FlowCreateNotif',
                options: { user: { value: '{assignedTo}' }, text: { value: 'Call them' } },
              },
            ],
            falseBranch: [{ type: 'X2FlowMystery', options: { x: { value: 1 } } }],
          },
        ],
      },
    }
    const doc = describeFlow(flow)
    expect(doc.trigger.conditions).toEqual(['salesStage is "Working"'])
    expect(doc.steps).toEqual([
      '1. wait 3 days',
      '2. If probability is less than "50":',
      '   - yes:',
      '    2.1. notify {assignedTo}: "Call them"',
      '   - no:',
      '    2.1. X2FlowMystery (not documented automatically; options: {"x":1})',
    ])
    expect(doc.unknown).toEqual(['X2FlowMystery'])
    expect(renderWorkflowDocument([flow])).toContain('(X2Flow 7, inactive)')
  })
})
