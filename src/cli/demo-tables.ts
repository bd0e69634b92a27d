/** What a Dataverse simulator holds, read for the demo's summary. */
export interface TableRows {
  rows(logicalName: string): readonly Record<string, unknown>[]
}

/** Rows per Dataverse table the demo migrates, and how many are in each state. */
export interface TableCounts {
  table: string
  rows: number
  /** State label → rows (open / won / lost; open / completed / canceled; notes / files). */
  states: Record<string, number>
  /** Why the table is empty when the source cannot fill it. */
  note?: string
}

/** Tables X2CRM's API v2 cannot fill (api.md §1.3, §1.13): their rows live in tables only the database reader reads. */
const DATABASE_ONLY: Readonly<Record<string, string>> = {
  listmember: 'API v2 has no list members (x2_list_items): source.mysql reads them',
  quotedetail: 'API v2 has no quote lines (x2_quotes_products): source.mysql reads them',
}

const ACTIVITY_STATES = ['open', 'completed', 'canceled', 'scheduled'] as const
const OPPORTUNITY_STATES = ['open', 'won', 'lost'] as const
/** incident statecode: 0 Active, 1 Resolved, 2 Canceled. */
const CASE_STATES = ['active', 'resolved', 'canceled'] as const
/** quote statecode: 0 Draft, 1 Active, 2 Won, 3 Closed. */
const QUOTE_STATES = ['draft', 'active', 'won', 'closed'] as const
/** product statecode: 0 Active, 1 Retired, 2 Draft, 3 Under Revision. */
const PRODUCT_STATES = ['active', 'retired', 'draft', 'under revision'] as const

/** The tables of the built-in map with their states, as Dataverse holds them now. */
export function countTables(sim: TableRows): TableCounts[] {
  const byState = (table: string, labels: readonly string[]): TableCounts => {
    const rows = sim.rows(table)
    const states: Record<string, number> = {}
    for (const row of rows) {
      const label = labels[Number(row['statecode'] ?? 0)] ?? `state ${String(row['statecode'])}`
      states[label] = (states[label] ?? 0) + 1
    }
    return { table, rows: rows.length, states }
  }
  const rowsOf = (table: string): TableCounts => ({ table, rows: sim.rows(table).length, states: {} })
  const notes = sim.rows('annotation')
  const files = notes.filter((n) => n['isdocument'] === true).length
  const lists = sim.rows('list')
  const staticLists = lists.filter((l) => l['type'] !== true).length
  const counts: TableCounts[] = [
    rowsOf('account'),
    rowsOf('contact'),
    byState('opportunity', OPPORTUNITY_STATES),
    rowsOf('opportunityclose'),
    ...['phonecall', 'appointment', 'email', 'task'].map((t) => byState(t, ACTIVITY_STATES)),
    rowsOf('activityparty'),
    { table: 'annotation', rows: notes.length, states: { notes: notes.length - files, files } },
    byState('incident', CASE_STATES),
    rowsOf('incidentresolution'),
    {
      table: 'list',
      rows: lists.length,
      states: { static: staticLists, dynamic: lists.length - staticLists },
    },
    rowsOf('listmember'),
    byState('product', PRODUCT_STATES),
    rowsOf('pricelevel'),
    rowsOf('productpricelevel'),
    byState('quote', QUOTE_STATES),
    rowsOf('quotedetail'),
    rowsOf('quoteclose'),
    rowsOf('team'),
    rowsOf('connection'),
    rowsOf('connectionrole'),
  ]
  return counts.map((c) => {
    const note = DATABASE_ONLY[c.table]
    return c.rows === 0 && note !== undefined ? { ...c, note } : c
  })
}

/** `  opportunity        1,633   open 941, won 420, lost 272` per table. */
export function formatTableCounts(counts: readonly TableCounts[]): string {
  return counts
    .map(({ table, rows, states, note }) => {
      const parts = Object.entries(states)
        .filter(([, n]) => n > 0)
        .map(([label, n]) => `${label} ${n.toLocaleString('en-US')}`)
      if (note !== undefined) parts.push(`(${note})`)
      return `  ${table.padEnd(17)} ${rows.toLocaleString('en-US').padStart(7)}${parts.length > 0 ? `   ${parts.join(', ')}` : ''}`
    })
    .join('\n')
}

/** Rows whose tag column holds tags, per table (those with none left out), and their total. */
export interface TaggedCounts {
  column: string
  records: number
  byTable: Record<string, number>
}

/** How many rows of `tables` carry tags in `column` (a multi-select or text column: not null, not empty). */
export function countTagged(sim: TableRows, column: string, tables: readonly string[]): TaggedCounts {
  const byTable: Record<string, number> = {}
  for (const table of new Set(tables)) {
    const tagged = sim
      .rows(table)
      .filter((r) => r[column] !== null && r[column] !== undefined && r[column] !== '')
    if (tagged.length > 0) byTable[table] = tagged.length
  }
  return { column, records: Object.values(byTable).reduce((n, c) => n + c, 0), byTable }
}

/** `Tagged records (new_x2crmtags): 61 of the 61 X2CRM tagged, account 12, contact 49`. */
export function formatTagged(tagged: TaggedCounts, inSource: number): string {
  const parts = Object.entries(tagged.byTable).map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`)
  return (
    `Tagged records (${tagged.column}): ${tagged.records.toLocaleString('en-US')} of the ` +
    `${inSource.toLocaleString('en-US')} X2CRM tagged${parts.length > 0 ? `, ${parts.join(', ')}` : ''}`
  )
}
