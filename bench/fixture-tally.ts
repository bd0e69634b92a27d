import { ACTION_TABLES } from '../src/mapping/action-type.ts'
import { DEFAULT_CASE_CLOSE } from '../src/mapping/default-cases.ts'

/*
 * The fixture's counts side by side: rows per Dataverse table after the run, and what the X2CRM database holds,
 * counted with SQL from the restored dump (never typed in), with the states and why a number differs.
 */

/** Runs one SQL query against the X2CRM database; rows as objects. */
export type Query = (sql: string) => Promise<Record<string, unknown>[]>

/** What the Dataverse simulator holds. */
export interface TableRows {
  rows(logicalName: string): readonly Record<string, unknown>[]
}

export interface CountLine {
  /** Dataverse table (or what is counted, for tags and authors). */
  table: string
  dataverse: number
  /** The fixture's count; null where X2CRM has no such thing (Dataverse-only rows). */
  fixture: number | null
  /** The SQL that counted the fixture's side. */
  sql: string
  /** Dataverse states, e.g. `open 12, won 7, lost 6`, against the fixture's (`Working 12, Won 7, Lost 6`). */
  states: string
  /** Why the two numbers differ (empty when they do not). */
  why: string
}

/** X2CRM's system assets among Media rows, which a migration skips (fixture README, uploads). */
export const SYSTEM_MEDIA = ['theme', 'bg', 'loginSound', 'notificationSound'] as const

const list = (values: readonly string[]) => values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')

/** The SQL condition selecting the actions of one Dataverse table, by ACTION_TABLES (`''` includes NULL). */
export function actionTypesSql(table: string): string {
  const types = Object.entries(ACTION_TABLES)
    .filter(([, t]) => t === table)
    .map(([type]) => type)
  return `(type IN (${list(types)})${types.includes('') ? ' OR type IS NULL' : ''})`
}

const MEDIA_FILES_SQL = `SELECT COUNT(*) AS n FROM x2_media WHERE associationType NOT IN (${list(SYSTEM_MEDIA)}) AND fileName IS NOT NULL`

const stateText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([label, n]) => `${label} ${n}`)
    .join(', ')

function byState(
  rows: readonly Record<string, unknown>[],
  labels: readonly string[],
): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const row of rows) {
    const label = labels[Number(row['statecode'] ?? 0)] ?? `state ${String(row['statecode'])}`
    counts[label] = (counts[label] ?? 0) + 1
  }
  return counts
}

/** Each line: the Dataverse side, the fixture's SQL, how to show states, why they may differ. */
interface LineSpec {
  table: string
  dataverse: (sim: TableRows) => number
  sql: string | null
  states?: (sim: TableRows, query: Query) => Promise<string>
  why: string
}

const count = (table: string) => (sim: TableRows) => sim.rows(table).length
const ACTIVITY = ['open', 'completed', 'canceled', 'scheduled']

async function groupText(query: Query, sql: string): Promise<string> {
  const rows = await query(sql)
  const label = (k: unknown) => (typeof k === 'string' || typeof k === 'number' ? String(k) : 'NULL') || "''"
  return stateText(Object.fromEntries(rows.map((r) => [label(r['k']), Number(r['n'])])))
}

const activityLine = (table: string, what: string, why = ''): LineSpec => ({
  table,
  dataverse: count(table),
  sql: `SELECT COUNT(*) AS n FROM x2_actions WHERE ${actionTypesSql(table)}`,
  states: async (sim, query) =>
    `${stateText(byState(sim.rows(table), ACTIVITY))} | X2CRM ${what} complete: ${await groupText(
      query,
      `SELECT COALESCE(complete, 'NULL') AS k, COUNT(*) AS n FROM x2_actions WHERE ${actionTypesSql(table)} GROUP BY k`,
    )}`,
  why,
})

/** Dataverse rows (of any table) whose tag column is filled, and the tags they hold. */
function tagged(sim: TableRows, tables: readonly string[], column: string) {
  const rows = tables.flatMap((t) => sim.rows(t)).filter((r) => typeof r[column] === 'string')
  return { records: rows.length, tags: rows.reduce((n, r) => n + String(r[column]).split(', ').length, 0) }
}

const TAGGED_TABLES: Readonly<Record<string, readonly string[]>> = {
  Accounts: ['account'],
  Contacts: ['contact'],
  Opportunity: ['opportunity'],
  Actions: ['phonecall', 'appointment', 'email', 'task', 'annotation'],
}

function specs(tagColumn: string, appUserId: string | undefined): LineSpec[] {
  const resolved = list(DEFAULT_CASE_CLOSE.resolved)
  return [
    { table: 'account', dataverse: count('account'), sql: 'SELECT COUNT(*) AS n FROM x2_accounts', why: '' },
    {
      table: 'contact',
      dataverse: count('contact'),
      sql: 'SELECT COUNT(*) AS n FROM x2_contacts',
      why:
        'contact 57 quarantined: its firstName is 255 characters (README oddity 6: X2CRM cut a 400-character name), ' +
        "Dataverse's contact.firstname holds 50; the hidden private contact 50 (oddity 1) is migrated from the database",
    },
    { table: 'lead', dataverse: count('lead'), sql: 'SELECT COUNT(*) AS n FROM x2_x2leads', why: '' },
    {
      table: 'opportunity',
      dataverse: count('opportunity'),
      sql: 'SELECT COUNT(*) AS n FROM x2_opportunities',
      states: async (sim, query) =>
        `${stateText(byState(sim.rows('opportunity'), ['open', 'won', 'lost']))} | X2CRM ${await groupText(
          query,
          'SELECT salesStage AS k, COUNT(*) AS n FROM x2_opportunities GROUP BY k ORDER BY k DESC',
        )}`,
      why: '',
    },
    {
      table: 'opportunityclose',
      dataverse: count('opportunityclose'),
      sql: "SELECT COUNT(*) AS n FROM x2_opportunities WHERE salesStage IN ('Won', 'Lost')",
      why: '',
    },
    activityLine('phonecall', 'call'),
    activityLine('appointment', 'event'),
    activityLine('email', 'email'),
    activityLine('task', "'' (to-do)"),
    {
      table: 'annotation',
      dataverse: count('annotation'),
      sql: `SELECT (SELECT COUNT(*) FROM x2_actions WHERE ${actionTypesSql('annotation')}) + (${MEDIA_FILES_SQL.replace(' AS n', '')}) AS n`,
      states: async (sim, query) => {
        const notes = sim.rows('annotation')
        const files = notes.filter((n) => n['isdocument'] === true).length
        const [actions] = await query(
          `SELECT COUNT(*) AS n FROM x2_actions WHERE ${actionTypesSql('annotation')}`,
        )
        const [media] = await query(MEDIA_FILES_SQL)
        return `notes ${notes.length - files}, files ${files} | X2CRM note actions ${Number(actions?.['n'])}, Media files ${Number(media?.['n'])} (system assets skipped: ${SYSTEM_MEDIA.join(', ')})`
      },
      why: '',
    },
    {
      table: 'activityparty',
      dataverse: count('activityparty'),
      // An e-mail's sender (its X2CRM user) and its recipient, the record it is about when that can be a party.
      sql: `SELECT COUNT(*) + SUM(associationType IN ('contacts', 'accounts')) AS n FROM x2_actions WHERE ${actionTypesSql('email')}`,
      why: 'X2CRM has no parties: counted as one sender per e-mail plus one recipient per e-mail about a contact or account (an opportunity cannot be a party)',
    },
    {
      table: 'incident',
      dataverse: count('incident'),
      sql: 'SELECT COUNT(*) AS n FROM x2_services',
      states: async (sim, query) =>
        `${stateText(byState(sim.rows('incident'), ['active', 'resolved', 'canceled']))} | X2CRM ${await groupText(
          query,
          'SELECT status AS k, COUNT(*) AS n FROM x2_services GROUP BY k',
        )}`,
      why: '',
    },
    {
      table: 'incidentresolution',
      dataverse: count('incidentresolution'),
      sql: `SELECT COUNT(*) AS n FROM x2_services WHERE status IN (${resolved})`,
      why: '',
    },
    {
      table: 'campaign',
      dataverse: count('campaign'),
      sql: 'SELECT COUNT(*) AS n FROM x2_campaigns',
      why: '',
    },
    { table: 'list', dataverse: count('list'), sql: 'SELECT COUNT(*) AS n FROM x2_lists', why: '' },
    {
      table: 'listmember',
      dataverse: count('listmember'),
      sql: 'SELECT COUNT(*) AS n FROM x2_list_items',
      why: '',
    },
    {
      table: 'product',
      dataverse: count('product'),
      sql: 'SELECT COUNT(*) AS n FROM x2_products',
      states: async (sim, query) =>
        `${stateText(byState(sim.rows('product'), ['active', 'retired', 'draft', 'under revision']))} | X2CRM ${await groupText(
          query,
          'SELECT status AS k, COUNT(*) AS n FROM x2_products GROUP BY k',
        )}`,
      why: '',
    },
    {
      table: 'pricelevel',
      dataverse: count('pricelevel'),
      sql: 'SELECT COUNT(DISTINCT currency) AS n FROM x2_products',
      why: 'one price list per currency the environment has: product 8 is priced in EUR (oddity 17), the environment only has USD (sales.catalog: missingCurrencies EUR)',
    },
    {
      table: 'productpricelevel',
      dataverse: count('productpricelevel'),
      sql: 'SELECT COUNT(*) AS n FROM x2_products',
      why: "product 8's EUR price quarantined: no EUR price list (add the currency in Dataverse, then run again)",
    },
    {
      table: 'uomschedule',
      dataverse: count('uomschedule'),
      sql: null,
      why: 'X2CRM has no units: the run creates one unit group',
    },
    { table: 'uom', dataverse: count('uom'), sql: null, why: 'X2CRM has no units: the run creates one unit' },
    { table: 'quote', dataverse: count('quote'), sql: 'SELECT COUNT(*) AS n FROM x2_quotes', why: '' },
    {
      table: 'quotedetail',
      dataverse: count('quotedetail'),
      sql: 'SELECT COUNT(*) AS n FROM x2_quotes_products',
      why: '',
    },
    {
      table: 'connection',
      dataverse: count('connection'),
      sql: 'SELECT COUNT(*) AS n FROM x2_relationships WHERE firstLabel IS NOT NULL OR secondLabel IS NOT NULL',
      states: async (_sim, query) =>
        `X2CRM relationships ${Number((await query('SELECT COUNT(*) AS n FROM x2_relationships'))[0]?.['n'])}; those without a label copy a link field and stay lookups`,
      why: '',
    },
    {
      table: 'connectionrole',
      dataverse: count('connectionrole'),
      sql: "SELECT COUNT(*) AS n FROM (SELECT firstLabel AS l FROM x2_relationships UNION SELECT secondLabel FROM x2_relationships) labels WHERE l IS NOT NULL AND l <> ''",
      why: '',
    },
    { table: 'team', dataverse: count('team'), sql: 'SELECT COUNT(*) AS n FROM x2_groups', why: '' },
    ...Object.entries(TAGGED_TABLES).flatMap(([entity, tables]): LineSpec[] => [
      {
        table: `${tagColumn}: ${entity} records (${tables.join(', ')})`,
        dataverse: (sim) => tagged(sim, tables, tagColumn).records,
        sql: `SELECT COUNT(DISTINCT itemId) AS n FROM x2_tags WHERE type = '${entity}'`,
        why: '',
      },
      {
        table: `${tagColumn}: ${entity} tags`,
        dataverse: (sim) => tagged(sim, tables, tagColumn).tags,
        sql: `SELECT COUNT(DISTINCT itemId, tag) AS n FROM x2_tags WHERE type = '${entity}'`,
        why: '',
      },
    ]),
    {
      table: 'created as their X2CRM author (createdby)',
      dataverse: (sim) =>
        AUTHORED_TABLES.flatMap((t) => sim.rows(t)).filter(
          (r) => typeof r['_createdby_value'] === 'string' && r['_createdby_value'] !== appUserId,
        ).length,
      // Records of the classes whose author field X2CRM declares (x2_fields: Media.uploadedBy, Quote.createdBy):
      // x2_campaigns has a createdBy column, but no x2_fields row, so neither the API nor the reader returns it.
      sql:
        `SELECT (${MEDIA_FILES_SQL.replace(' AS n', '')} AND uploadedBy <> '') + ` +
        "(SELECT COUNT(*) FROM x2_quotes WHERE createdBy <> '') AS n",
      states: async (_sim, query) =>
        `X2CRM authors: ${await groupText(
          query,
          `SELECT uploadedBy AS k, COUNT(*) AS n FROM x2_media WHERE associationType NOT IN (${list(SYSTEM_MEDIA)}) AND fileName IS NOT NULL GROUP BY k`,
        )}; x2_campaigns.createdBy is not an X2CRM field (no x2_fields row), so it is not read`,
      why: 'an author without an enabled Dataverse user: the record is created by the application user',
    },
  ]
}

/** Tables whose rows a run creates from X2CRM records (not the sales catalog, roles or parties it makes itself). */
const AUTHORED_TABLES = [
  'account',
  'contact',
  'lead',
  'opportunity',
  'phonecall',
  'appointment',
  'email',
  'task',
  'annotation',
  'incident',
  'campaign',
  'list',
  'product',
  'quote',
]

/**
 * Every line of the table: the Dataverse side from `sim`, the fixture's from `query`. `appUserId` is the application
 * user the run wrote as (rows it created as itself are not authored).
 */
export async function tallyFixture(
  sim: TableRows,
  query: Query,
  options: { tagColumn: string; appUserId?: string },
): Promise<CountLine[]> {
  const lines: CountLine[] = []
  for (const spec of specs(options.tagColumn, options.appUserId)) {
    const fixture = spec.sql === null ? null : Number((await query(spec.sql))[0]?.['n'] ?? 0)
    const dataverse = spec.dataverse(sim)
    lines.push({
      table: spec.table,
      dataverse,
      fixture,
      sql: spec.sql ?? '',
      states: spec.states === undefined ? '' : await spec.states(sim, query),
      why: fixture === dataverse ? '' : spec.why,
    })
  }
  return lines
}

/** The lines as a Markdown table. */
export function formatTally(lines: readonly CountLine[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|')
  return [
    '| Dataverse table | rows in Dataverse | fixture (X2CRM database) | states | difference explained |',
    '|---|---:|---:|---|---|',
    ...lines.map(
      (l) =>
        `| ${cell(l.table)} | ${l.dataverse} | ${l.fixture ?? '—'} | ${cell(l.states)} | ${cell(
          l.fixture === l.dataverse ? '' : l.why || 'UNEXPLAINED',
        )} |`,
    ),
  ].join('\n')
}
