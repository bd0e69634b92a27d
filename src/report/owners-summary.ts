import type {
  OwnerDecisionRow,
  OwnerReconciliation,
  SystemUserRow,
  TeamRow,
} from '../mapping/reconcile-users.ts'

/** The owner reconciliation as lines a person reads: who matched how, and the queue still to resolve. Pure. */
export function describeOwners(result: OwnerReconciliation): string[] {
  const lines = result.matched.map(
    (m) => `  ${m.username} → ${m.systemuserid} (by ${m.by}, ${m.records} records)`,
  )
  lines.unshift(`Matched ${result.matched.length} X2CRM users:`)
  if (result.queue.length > 0) {
    lines.push(`Queue: ${result.queue.length} owners without a Dataverse user:`)
    for (const q of result.queue) {
      lines.push(
        `  ${q.username} (${q.fullName}, ${q.email ?? 'no e-mail'}${q.active ? '' : ', inactive'}): ${q.records} records; ${q.reason}`,
      )
    }
  }
  return lines
}

/** Who takes an owner's records, in words: `ann@contoso.com (user)`, `team Sales`, `the application user`. */
export function describeTaker(row: OwnerDecisionRow): string {
  switch (row.takenBy.type) {
    case 'user':
      return `${row.takenBy.email ?? row.takenBy.systemuserid}${row.by === 'default' ? ' (the default owner)' : ''}`
    case 'team':
      return `team ${row.takenBy.name}`
    case 'applicationUser':
      return 'the application user that loads the rows (no default owner covers Anyone)'
    case 'undecided':
      return 'UNDECIDED: write a decision in users.yaml'
  }
}

/**
 * Per decision, how many records it takes: every owner of records (users, groups, `Anyone`), largest first, with who
 * takes them and how that was decided. Pure.
 */
export function describeOwnerDecisions(result: OwnerReconciliation): string[] {
  const rows = result.decisions ?? []
  if (rows.length === 0) return []
  const by: Record<OwnerDecisionRow['by'], string> = {
    hand: 'users.yaml',
    email: 'same e-mail',
    name: 'same name',
    default: 'default owner covers it',
    none: 'no decision',
  }
  return [
    `Decisions: ${rows.length} owners of ${rows.reduce((n, r) => n + r.records, 0)} records:`,
    ...rows.map(
      (r) =>
        `  ${r.owner}${r.kind === 'user' && r.inactive ? ' (inactive)' : ''}: ${r.records} records → ${describeTaker(r)} [${by[r.by]}]`,
    ),
  ]
}

/** The Dataverse users and teams a decision can name; disabled users are marked (they cannot own records). Pure. */
export function describeOwnerTargets(
  systemUsers: readonly SystemUserRow[],
  teams: readonly TeamRow[],
): string[] {
  const users = [...systemUsers].sort((a, b) =>
    (a.internalemailaddress ?? '').localeCompare(b.internalemailaddress ?? ''),
  )
  return [
    `Dataverse users (${users.length}; byHand.<username>: <e-mail>):`,
    ...users.map((u) =>
      `  ${u.internalemailaddress ?? '(no e-mail)'}  ${u.fullname ?? ''}${u.isdisabled === true ? '  [disabled: cannot own records]' : ''}`.trimEnd(),
    ),
    `Dataverse teams (${teams.length}; { team: <name> }):`,
    ...[...teams].sort((a, b) => a.name.localeCompare(b.name)).map((t) => `  ${t.name}`),
  ]
}
