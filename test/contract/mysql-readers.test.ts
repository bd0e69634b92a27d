import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMysqlSource, type MysqlSource } from '../../src/source/x2crm/mysql/source.ts'
import { createScratchDatabase, FIXTURE_SQL, type ScratchDatabase } from '../helpers/mariadb.ts'

let scratch: ScratchDatabase
let source: MysqlSource

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const row of rows) out.push(row)
  return out
}

beforeAll(async () => {
  scratch = await createScratchDatabase('readers', { load: FIXTURE_SQL })
  // The fixture instance never used processes, roles, groups, quotes or invitations: add some, as X2CRM writes them.
  await scratch.admin(`
    INSERT INTO x2_workflows (id, name, isDefault, lastUpdated, colors, financial) VALUES (1, 'Sales process', 1, 1790000000, NULL, 0);
    INSERT INTO x2_workflow_stages (id, workflowId, stageNumber, name, conversionRate, value, requirePrevious, requireComment)
      VALUES (10, 1, 1, 'Qualify', 10.00, 0.00, 0, 0), (11, 1, 2, 'Propose', 50.50, 1000.00, 1, 1);
    INSERT INTO x2_actions (id, type, workflowId, stageNumber, associationType, associationId, createDate, complete, completeDate, completedBy, assignedTo, visibility)
      VALUES (500, 'workflow', 1, 10, 'contacts', 2, 1790000000, 'Yes', 1790100000, 'admin', 'admin', 1),
             (501, 'workflow', 1, 11, 'contacts', 2, 1790100000, 'No', NULL, NULL, 'admin', 1);
    INSERT INTO x2_roles (id, name, users, timeout) VALUES (1, 'Sales', '', 3600);
    INSERT INTO x2_groups (id, name, nameId) VALUES (1, 'EMEA team', 'EMEA team_1');
    INSERT INTO x2_group_to_user (id, groupId, userId, username) VALUES (1, 1, 4, 'mgarcia');
    INSERT INTO x2_role_to_user (id, roleId, userId, type) VALUES (1, 1, 3, 'user'), (2, 1, 1, 'group');
    INSERT INTO x2_role_to_permission (id, roleId, fieldId, permission)
      SELECT 1, 1, id, 1 FROM x2_fields WHERE modelName = 'Contacts' AND fieldName = 'c_score';
    INSERT INTO x2_list_criteria (id, listId, type, attribute, comparison, value) VALUES (1, 1, 'attribute', 'c_region', '=', 'EMEA');
    INSERT INTO x2_quotes (id, name, nameId, createDate, lastUpdated) VALUES (1000, 'Q-1000', 'Q-1000_1000', 1790000000, 1790000000);
    INSERT INTO x2_quotes_products (id, quoteId, productId, quantity, name, price, currency, lineNumber, total)
      VALUES (1, 1000, 8, 2.00, 'Käse-Hobel Extra', 49.90, 'EUR', 1, 99.80);
    INSERT INTO x2_action_to_record (id, actionId, recordId, recordType) VALUES (1, 2, 3, 'Contacts');
    INSERT INTO x2_calendar_invites (id, actionId, email, status, inviteKey) VALUES (1, 2, 'guest@example.com', 'Maybe', 'secret-invite-key');
  `)
  source = createMysqlSource({ url: scratch.url, password: '' })
})
afterAll(async () => {
  await source?.close()
  await scratch?.drop()
})

describe('database-only readers', () => {
  it('X2Flow definitions and their trigger logs (the flow that tagged contact 64)', async () => {
    const flows = await all(source.flows())
    expect(flows).toHaveLength(1)
    expect(flows[0]).toMatchObject({
      id: 1,
      active: 1,
      name: 'Tag new contacts',
      triggerType: 'RecordCreateTrigger',
      modelClass: 'Contacts',
    })
    expect(JSON.parse(flows[0]?.flow ?? '')).toMatchObject({ items: [{ type: 'X2FlowRecordTag' }] })
    const logs = await all(source.triggerLogs(1))
    expect(logs.map((l) => l.id)).toEqual([1, 2, 3])
    expect(logs[0]?.triggerLog).toContain('contacts\\/id\\/64')
    expect(await all(source.triggerLogs(2))).toEqual([])
  })

  it("processes, stages and each record's stage history", async () => {
    expect(await all(source.workflows())).toEqual([
      {
        id: 1,
        name: 'Sales process',
        isDefault: 1,
        lastUpdated: 1790000000,
        colors: null,
        financial: 0,
        financialModel: null,
        financialField: null,
      },
    ])
    const stages = await all(source.workflowStages(1))
    expect(stages.map((s) => [s.id, s.stageNumber, s.name, s.conversionRate])).toEqual([
      [10, 1, 'Qualify', '10.00'],
      [11, 2, 'Propose', '50.50'],
    ])
    const history = await all(source.stageHistory())
    expect(history).toEqual([
      {
        id: 500,
        workflowId: 1,
        stageNumber: 10,
        associationType: 'contacts',
        associationId: 2,
        createDate: 1790000000,
        complete: 'Yes',
        completeDate: 1790100000,
        completedBy: 'admin',
        assignedTo: 'admin',
      },
      {
        id: 501,
        workflowId: 1,
        stageNumber: 11,
        associationType: 'contacts',
        associationId: 2,
        createDate: 1790100000,
        complete: 'No',
        completeDate: null,
        completedBy: null,
        assignedTo: 'admin',
      },
    ])
  })

  it('roles with their users and groups, field permissions (named), groups and members', async () => {
    expect(await all(source.roles())).toEqual([{ id: 1, name: 'Sales', timeout: 3600 }])
    expect(await all(source.roleMembers())).toEqual([
      { id: 1, roleId: 1, userId: 3, type: 'user' },
      { id: 2, roleId: 1, userId: 1, type: 'group' },
    ])
    expect(await all(source.fieldPermissions())).toEqual([
      expect.objectContaining({
        id: 1,
        roleId: 1,
        permission: 1,
        modelName: 'Contacts',
        fieldName: 'c_score',
      }),
    ])
    expect(await all(source.groups())).toEqual([{ id: 1, name: 'EMEA team', nameId: 'EMEA team_1' }])
    expect(await all(source.groupMembers())).toEqual([{ id: 1, groupId: 1, userId: 4, username: 'mgarcia' }])
    expect(await all(source.roleStages())).toEqual([])
    expect(Array.isArray(await source.authAssignments())).toBe(true)
  })

  it('static list members (only in the database) and dynamic list criteria', async () => {
    const members = await all(source.listItems(1))
    expect(members).toHaveLength(25)
    expect(members[0]).toMatchObject({ listId: 1, contactId: 2, sent: 0 })
    expect(await all(source.listCriteria())).toEqual([
      { id: 1, listId: 1, type: 'attribute', attribute: 'c_region', comparison: '=', value: 'EMEA' },
    ])
  })

  it('quote line items, extra action associations and calendar invitees (without invite keys)', async () => {
    expect(await all(source.quoteLines(1000))).toEqual([
      expect.objectContaining({
        quoteId: 1000,
        productId: 8,
        quantity: '2.00',
        price: '49.90',
        currency: 'EUR',
        total: '99.80',
      }),
    ])
    // Quote's virtual fields (line items in the UI) come back null, as from the API; the lines are read above.
    expect(await source.record('Quote', 1000)).toMatchObject({
      id: 1000,
      name: 'Q-1000',
      products: null,
      existingProducts: null,
    })
    expect(await all(source.actionLinks())).toEqual([
      { id: 1, actionId: 2, recordId: 3, recordType: 'Contacts' },
    ])
    const invites = await all(source.calendarInvites())
    expect(invites).toEqual([{ id: 1, actionId: 2, email: 'guest@example.com', status: 'Maybe' }])
    expect(JSON.stringify(invites)).not.toContain('secret-invite-key')
  })

  it('changelog since a time, and the deletions the API cannot show (account 20, contacts 65 and 66)', async () => {
    expect(await all(source.changelog())).toHaveLength(12)
    const late = await all(source.changelog(1795665116))
    expect(late.map((r) => r.id)).toEqual([8, 9, 10, 11, 12])
    expect(await all(source.deletions())).toEqual([
      {
        entity: 'Accounts',
        id: 20,
        name: 'Doomed Corp (to be deleted)',
        deletedBy: 'admin',
        deletedAt: 1795665038,
      },
      { entity: 'Contacts', id: 65, name: 'Recorder Roundtrip', deletedBy: 'admin', deletedAt: 1795665116 },
      { entity: 'Contacts', id: 66, name: 'Recorder Roundtrip', deletedBy: 'admin', deletedAt: 1795665135 },
    ])
    expect((await all(source.deletions(1795665116))).map((d) => d.id)).toEqual([66])
  })
})
