import { describe, expect, it } from 'vitest'
import { describeAfterLoad } from './after-load-text.ts'

describe('what the steps after the load say', () => {
  it('counts cases closed and list members, and says where the missing members are', () => {
    expect(
      describeAfterLoad({ type: 'cases.closed', resolved: 1, cancelled: 2, alreadyClosed: 0, failed: [] }),
    ).toBe('Cases: 1 resolved, 2 cancelled, 0 already closed')
    expect(
      describeAfterLoad({
        type: 'lists.filled',
        lists: 0,
        added: 0,
        notMigrated: 0,
        otherTable: 0,
        emailOnly: 0,
        dynamic: 1,
        unread: 1,
        failed: [],
      }),
    ).toBe(
      "Marketing lists: 0 members added to 0 static list(s), 1 dynamic list(s) created empty (rules: x2d365 docs), 1 list(s) without members: X2CRM's API has none, configure source.mysql",
    )
    expect(
      describeAfterLoad({
        type: 'lists.filled',
        lists: 1,
        added: 5,
        notMigrated: 0,
        otherTable: 2,
        emailOnly: 0,
        dynamic: 0,
        unread: 0,
        failed: [],
      }),
    ).toBe(
      'Marketing lists: 5 members added to 1 static list(s), 2 left off (loaded into another table, e.g. as leads)',
    )
    expect(
      describeAfterLoad({
        type: 'connections.made',
        connected: 6,
        rolesCreated: 2,
        linkFields: 81,
        notMigrated: 0,
        failed: [{ sourceKey: 'Relationships:9', reason: 'refused' }],
      }),
    ).toBe(
      'Connections: 6 from X2CRM relationships (2 role(s) created), 81 were link fields, 0 had an end not migrated; 1 refused (Relationships:9: refused)',
    )
  })
})
