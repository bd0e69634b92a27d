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
}

const ACTIVITY_STATES = ['open', 'completed', 'canceled', 'scheduled'] as const
const OPPORTUNITY_STATES = ['open', 'won', 'lost'] as const

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
  const notes = sim.rows('annotation')
  const files = notes.filter((n) => n['isdocument'] === true).length
  return [
    { table: 'account', rows: sim.rows('account').length, states: {} },
    { table: 'contact', rows: sim.rows('contact').length, states: {} },
    byState('opportunity', OPPORTUNITY_STATES),
    { table: 'opportunityclose', rows: sim.rows('opportunityclose').length, states: {} },
    ...['phonecall', 'appointment', 'email', 'task'].map((t) => byState(t, ACTIVITY_STATES)),
    { table: 'activityparty', rows: sim.rows('activityparty').length, states: {} },
    { table: 'annotation', rows: notes.length, states: { notes: notes.length - files, files } },
  ]
}

/** `  opportunity        1,633   open 941, won 420, lost 272` per table. */
export function formatTableCounts(counts: readonly TableCounts[]): string {
  return counts
    .map(({ table, rows, states }) => {
      const parts = Object.entries(states)
        .filter(([, n]) => n > 0)
        .map(([label, n]) => `${label} ${n.toLocaleString('en-US')}`)
      return `  ${table.padEnd(17)} ${rows.toLocaleString('en-US').padStart(7)}${parts.length > 0 ? `   ${parts.join(', ')}` : ''}`
    })
    .join('\n')
}
