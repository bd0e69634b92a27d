import { InternalError, MigrationError } from '../../../errors.ts'
import { parseDropdowns } from '../parse-catalog.ts'
import type {
  ReadOptions,
  X2crmDropdown,
  X2crmField,
  X2crmRecord,
  X2crmRelationship,
  X2crmSource,
  X2crmUser,
} from '../types.ts'
import { textOf, unknownActionKinds } from './action-kinds.ts'
import { ACTION_SIDE_FIELDS, CLASS_TABLES, REQUIRED_TABLES, tableForClass } from './classes.ts'
import { describeAddress, parseMysqlUrl } from './connection-url.ts'
import { type Database, mysqlCode, openDatabase } from './database.ts'
import { filterConditions } from './filters.ts'
import type { OnNotice } from './notices.ts'
import {
  type FieldDefinition,
  planShape,
  type RecordShape,
  recordBuilder,
  selectList,
} from './record-shape.ts'
import { readInOrder } from './read-in-order.ts'
import { flattenPages } from '../flatten-pages.ts'
import { idSpans, type IdSpans } from './id-spans.ts'
import { MOST_PAGES_AT_ONCE, pagesForRoundTrip } from './pages-at-once.ts'
import type * as Rows from './rows.ts'
import type { ChangeFinder } from '../changes.ts'
import { createChangeFinder } from './changes.ts'
import { TABLES, type TableSpec } from './table-specs.ts'

export interface MysqlSourceOptions {
  /** `mysql://user@host:3306/database` (`?socket=/path` for a unix socket); no password in it. */
  url: string
  /** From the environment variable `passwordEnv` names; `''` for a passwordless user. */
  password: string
  /** For messages only: where the password came from. */
  passwordEnv?: string
  /** Tables of custom modules' classes, e.g. `{ Vendors: 'x2_vendors' }`. */
  tables?: Readonly<Record<string, string>>
  /** Told about what was passed through: unknown action kinds, columns an older schema lacks. */
  onNotice?: OnNotice
  /** @default MOST_PAGES_AT_ONCE + 1 (opened as needed: 4 on a database on this machine) */
  connections?: number
  /** Id ranges read at once; by default from the round trip to the database (pages-at-once.ts). */
  pagesAtOnce?: number
  /** Open this instead of connecting (tests). */
  database?: Database
}

/** The data a migration needs that API v2 does not give (api.md §1.13). All streams ascend by id. */
export interface DatabaseOnlyReaders {
  flows(): AsyncIterable<Rows.FlowRow>
  triggerLogs(flowId?: number): AsyncIterable<Rows.TriggerLogRow>
  workflows(): AsyncIterable<Rows.WorkflowRow>
  workflowStages(workflowId?: number): AsyncIterable<Rows.WorkflowStageRow>
  /** Each record's process stages (actions of type `workflow`). */
  stageHistory(): AsyncIterable<Rows.StageHistoryRow>
  roles(): AsyncIterable<Rows.RoleRow>
  /** Users and groups in each role. */
  roleMembers(): AsyncIterable<Rows.RoleMemberRow>
  fieldPermissions(): AsyncIterable<Rows.FieldPermissionRow>
  roleStages(): AsyncIterable<Rows.RoleStageRow>
  roleExceptions(): AsyncIterable<Rows.RoleExceptionRow>
  /** Module rights of roles (small; read at once, ordered by role then item). */
  authAssignments(): Promise<Rows.AuthAssignmentRow[]>
  groups(): AsyncIterable<Rows.GroupRow>
  groupMembers(): AsyncIterable<Rows.GroupMemberRow>
  listItems(listId?: number): AsyncIterable<Rows.ListItemRow>
  /** Every record's tags of one class (`x2_tags`), in one read: record id → tags. */
  tagsOfClass(entity: string): Promise<ReadonlyMap<number, readonly string[]>>
  /** `x2_relationships`, ascending by id, as `GET api2/relationships` returns them. */
  relationships(): AsyncIterable<X2crmRelationship>
  listCriteria(listId?: number): AsyncIterable<Rows.ListCriterionRow>
  quoteLines(quoteId?: number): AsyncIterable<Rows.QuoteLineRow>
  actionLinks(): AsyncIterable<Rows.ActionLinkRow>
  calendarInvites(): AsyncIterable<Rows.CalendarInviteRow>
  /** Field changes and deletions logged after `since` (unix seconds, exclusive). */
  changelog(since?: number): AsyncIterable<Rows.ChangelogRow>
  /** Records deleted after `since`, for delta: the API cannot tell a deleted id from one never used. */
  deletions(since?: number): AsyncIterable<Rows.Deletion>
  /** Saved reports with their settings (the API omits `settings`) and their charts dashboards. */
  reports(): AsyncIterable<Rows.ReportRow>
  charts(): AsyncIterable<Rows.ChartRow>
  /** Each user's widget layouts (`x2_settings` rows of `recordType` Profile): home page and charts dashboard. */
  widgetLayouts(): AsyncIterable<Rows.SettingsRow>
  modules(): AsyncIterable<Rows.ModuleRow>
  campaignAttachments(): AsyncIterable<Rows.CampaignAttachmentRow>
  /** `x2_dropdowns` as `GET api2/dropdowns` returns them, options decoded. */
  dropdowns(): Promise<X2crmDropdown[]>
}

export interface MysqlSource extends X2crmSource, DatabaseOnlyReaders {
  /** What changed, from the change log, timestamps and ids alone: for a delta that reads only that. */
  changes: ChangeFinder
  close(): Promise<void>
}

/** Rows per page. The API caps pages at 1000; a database does not, but memory should stay flat. */
const DEFAULT_PAGE_SIZE = 1000
const MAX_PAGE_SIZE = 10_000
/** Without `afterId`, every record: X2CRM's built-in Media rows (themes) have negative ids. */
const BEFORE_ALL_IDS = Number.MIN_SAFE_INTEGER

/** The ids of one page: above `after`, up to and with `last`. */
interface IdRange {
  after: number
  last: number
}

interface Schema {
  /** table → its columns */
  tables: ReadonlyMap<string, ReadonlySet<string>>
  /** table → its FLOAT columns (read as text, see record-shape.ts) */
  floats: ReadonlyMap<string, ReadonlySet<string>>
  /** table → its columns of other types than TEXT_OR_NUMBER_TYPES, which may come as Buffers (see record-shape.ts) */
  bytes: ReadonlyMap<string, ReadonlySet<string>>
}

/**
 * `information_schema.COLUMNS.DATA_TYPE`s that mysql2 reads as a string, a number or null with the options of
 * openDatabase (dates as strings, DECIMAL as a string, BIGINT as a number or a string past 2^53). Any other type
 * (BLOB, BINARY, BIT, a geometry, one this list does not know) may come as a Buffer and is decoded.
 */
const TEXT_OR_NUMBER_TYPES = new Set([
  'char',
  'varchar',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'enum',
  'set',
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'float',
  'double',
  'real',
  'date',
  'datetime',
  'timestamp',
  'time',
  'year',
])

/**
 * Reads a self-hosted X2CRM straight from its MySQL/MariaDB database, read-only. Records come out exactly as
 * API v2 returns them (same field set, same JSON types, links as `"Name_ID"` strings, Actions' description joined),
 * so the mapping treats both sources alike. Differences from the API, on purpose:
 * - `records` and `count` include the private records lists hide (contact 50 in the fixture): the table's count is
 *   the true count, and no gap-probing by id is needed;
 * - the record field set follows `x2_fields`; the API does the same.
 */
export function createMysqlSource(options: MysqlSourceOptions): MysqlSource {
  const address = parseMysqlUrl(options.url)
  const db =
    options.database ??
    openDatabase({
      address,
      password: options.password,
      ...(options.passwordEnv ? { passwordEnv: options.passwordEnv } : {}),
      connections: options.connections ?? Math.max(MOST_PAGES_AT_ONCE, options.pagesAtOnce ?? 0) + 1,
    })
  const where = describeAddress(address)
  const notify: OnNotice = options.onNotice ?? (() => {})
  const told = new Set<string>()
  function noticeOnce(key: string, notice: Parameters<OnNotice>[0]) {
    if (told.has(key)) return
    told.add(key)
    notify(notice)
  }

  function run(sql: string, params: readonly unknown[], what: string): Promise<Record<string, unknown>[]> {
    return explained(() => db.query(sql, params), what)
  }
  /** Rows as arrays in the order selected (the record reader's fast path). */
  function runArrays(sql: string, params: readonly unknown[], what: string): Promise<unknown[][]> {
    return explained(() => db.queryArrays(sql, params), what)
  }
  async function explained<T>(query: () => Promise<T>, what: string): Promise<T> {
    try {
      return await query()
    } catch (error) {
      if (error instanceof MigrationError) throw error
      const code = mysqlCode(error)
      if (code === 'ER_TABLEACCESS_DENIED_ERROR' || code === 'ER_COLUMNACCESS_DENIED_ERROR') {
        throw new MigrationError(
          `MySQL user "${address.user}" may not read ${what} (${where}). Grant it SELECT on the whole X2CRM ` +
            `database: GRANT SELECT ON ${address.database}.* TO '${address.user}'@'%'.`,
          { cause: error },
        )
      }
      throw new MigrationError(`Reading ${what} from ${where} failed: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  let pagesAtOnce: Promise<number> | undefined
  /**
   * Id ranges read while the consumer holds a page (each up to 2 × pageSize rows in memory, on a pooled connection of
   * its own; another serves the side tables): `options.pagesAtOnce`, else from the fastest of three round trips,
   * learned once.
   */
  function readAhead(): Promise<number> {
    pagesAtOnce ??=
      options.pagesAtOnce !== undefined
        ? Promise.resolve(options.pagesAtOnce)
        : (async () => {
            let fastest = Number.POSITIVE_INFINITY
            for (let i = 0; i < 3; i++) {
              const started = performance.now()
              await run('SELECT 1', [], "the server's answer to SELECT 1 (timing the round trip)")
              fastest = Math.min(fastest, performance.now() - started)
            }
            return pagesForRoundTrip(fastest)
          })()
    // Awaited by the record reader; started early (see `ready`), so a failure is not left unhandled meanwhile.
    pagesAtOnce.catch(() => undefined)
    return pagesAtOnce
  }

  let schema: Promise<Schema> | undefined
  function ready(): Promise<Schema> {
    schema ??= loadSchema()
    // Round trips timed while the schema loads, before any page: the process is quiet then, so the time is the
    // network's, not a busy event loop's.
    void readAhead()
    return schema
  }
  async function loadSchema(): Promise<Schema> {
    const rows = await run(
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS d FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      [],
      'the list of tables',
    )
    const tables = new Map<string, Set<string>>()
    const floats = new Map<string, Set<string>>()
    const bytes = new Map<string, Set<string>>()
    const add = (map: Map<string, Set<string>>, table: string, column: string) =>
      map.set(table, (map.get(table) ?? new Set()).add(column))
    for (const row of rows) {
      const table = textOf(row.t)
      const column = textOf(row.c)
      const type = textOf(row.d).toLowerCase()
      add(tables, table, column)
      if (type === 'float') add(floats, table, column)
      if (!TEXT_OR_NUMBER_TYPES.has(type)) add(bytes, table, column)
    }
    const missing = REQUIRED_TABLES.filter((table) => !tables.has(table))
    if (missing.length > 0) {
      throw new MigrationError(
        `Database "${address.database}" (${where}) is not an X2CRM database: it has no ${missing.join(', ')} ` +
          `table${missing.length > 1 ? 's' : ''}. Check the database name in source.mysql.url ` +
          `(X2CRM's is in protected/config/dbConfig.php on the server), and that the user may see its tables.`,
      )
    }
    return { tables, floats, bytes }
  }

  const shapes = new Map<string, Promise<RecordShape>>()
  function shapeOf(entity: string): Promise<RecordShape> {
    let shape = shapes.get(entity)
    if (!shape) shapes.set(entity, (shape = loadShape(entity)))
    return shape
  }
  let definitions: Promise<Map<string, FieldDefinition[]>> | undefined
  /**
   * Every class's fields, in x2_fields order, by class name in lower case (as MySQL compares them): read once
   * for all classes, since a database across a network makes each query a round trip.
   */
  function fieldDefinitions(): Promise<Map<string, FieldDefinition[]>> {
    definitions ??= run(
      'SELECT modelName, fieldName, isVirtual FROM x2_fields ORDER BY id',
      [],
      'the fields of the classes (x2_fields)',
    ).then((rows) => {
      const byClass = new Map<string, FieldDefinition[]>()
      for (const row of rows) {
        const key = textOf(row.modelName).toLowerCase()
        const fields = byClass.get(key) ?? []
        fields.push({ fieldName: textOf(row.fieldName), isVirtual: Number(row.isVirtual) === 1 })
        byClass.set(key, fields)
      }
      return byClass
    })
    return definitions
  }
  async function loadShape(entity: string): Promise<RecordShape> {
    const { tables, floats, bytes } = await ready()
    const table = tableForClass(entity, options.tables)
    if (!table) {
      throw new MigrationError(
        `No table is known for X2CRM class "${entity}". Known: ${Object.keys({ ...CLASS_TABLES, ...options.tables }).join(', ')}; ` +
          `a custom module's class needs its table in the source's tables option (e.g. { ${entity}: 'x2_…' }).`,
      )
    }
    const columns = tables.get(table)
    if (!columns) {
      throw new MigrationError(
        `X2CRM class ${entity}: table ${table} does not exist in "${address.database}" (${where}). This X2CRM ` +
          `version may not have the module; leave ${entity} out of the map.`,
      )
    }
    if (!columns.has('id')) {
      throw new MigrationError(
        `X2CRM class ${entity}: table ${table} has no id column; it is not an X2CRM record table.`,
      )
    }
    const definitions = (await fieldDefinitions()).get(entity.toLowerCase()) ?? []
    if (definitions.length === 0) {
      throw new MigrationError(
        `X2CRM class ${entity} has no rows in x2_fields (${where}), so its field set is unknown. Is the class name ` +
          `spelled as X2CRM does (Contacts, Opportunity, X2Leads)?`,
      )
    }
    const shape = planShape(entity, table, definitions, columns, floats.get(table), bytes.get(table))
    if (shape.missing.length > 0) {
      notify({
        kind: 'missing-column',
        entity,
        message:
          `${table} has no column for ${shape.missing.map((f) => `${entity}.${f}`).join(', ')}, which x2_fields ` +
          `lists; read as empty. The table is from another X2CRM version than its field registry; check the upgrade.`,
      })
    }
    return shape
  }

  function checkAction(record: X2crmRecord) {
    for (const message of unknownActionKinds(record)) {
      noticeOnce(`action:${message}`, {
        kind: 'unknown-action-kind',
        entity: 'Actions',
        id: Number(record.id),
        message: `Action ${String(record.id)}: ${message}; passed through unmapped (first of its kind)`,
      })
    }
  }

  /** Actions keep their description and event subtype/status in side tables: one query each per page. */
  async function sideValues(
    shape: RecordShape,
    ids: readonly number[],
  ): Promise<Map<number, Record<string, unknown>>> {
    const values = new Map<number, Record<string, unknown>>()
    if (shape.side.length === 0 || ids.length === 0) return values
    const byTable = new Map<string, { field: string; column: string }[]>()
    for (const field of shape.side) {
      const { table, column } = ACTION_SIDE_FIELDS[field]
      byTable.set(table, [...(byTable.get(table) ?? []), { field, column }])
    }
    const { tables } = await ready()
    for (const [table, fields] of byTable) {
      if (!tables.has(table)) {
        noticeOnce(`table:${table}`, {
          kind: 'missing-table',
          entity: table,
          message: `${table} does not exist; Actions ${fields.map((f) => f.field).join(', ')} read as empty`,
        })
        continue
      }
      const select = fields.map(({ field, column }) => `\`${column}\` AS \`${field}\``).join(', ')
      // Lowest id first, so that a duplicate side row (X2CRM keeps one per action) cannot override the original.
      const rows = await run(
        `SELECT actionId, ${select} FROM ${table} WHERE actionId IN (?) ORDER BY id DESC`,
        [ids],
        `${table} of actions ${ids[0]}–${ids.at(-1)}`,
      )
      for (const row of rows) {
        const id = Number(row.actionId)
        const entry = values.get(id) ?? {}
        for (const { field } of fields) entry[field] = row[field]
        values.set(id, entry)
      }
    }
    return values
  }

  async function* recordPages(
    entity: string,
    { afterId = BEFORE_ALL_IDS, pageSize = DEFAULT_PAGE_SIZE, filters = {} }: ReadOptions,
  ): AsyncGenerator<X2crmRecord[]> {
    const shape = await shapeOf(entity)
    const { tables } = await ready()
    const conditions = filterConditions(entity, filters, tables.get(shape.table) ?? new Set())
    if (conditions.sql.some((sql) => sql.startsWith('`id`'))) {
      throw new InternalError(`A filter on id would break the id-range paging of ${entity}`)
    }
    const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(pageSize)))
    const select = selectList(shape)
    const extra = conditions.sql.map((sql) => ` AND ${sql}`).join('')
    const toRecord = recordBuilder(shape)
    const idAt = shape.columns.indexOf('id')
    const what = `${entity} (${shape.table})`
    /** Rows a range may hold before its LIMIT cuts it; the rest of a cut range is read before the next range. */
    const cap = limit * 2

    /** The highest id when the read begins (from the primary key, filters aside): where the ranges stop. */
    const topId = runArrays(`SELECT MAX(id) FROM ${shape.table}`, [], `the highest id of ${what}`).then(
      ([row]) => (row?.[0] === null || row?.[0] === undefined ? undefined : Number(row[0])),
    )
    // Thrown when the ranges need it, not as an unhandled rejection.
    topId.catch(() => undefined)

    /**
     * Ranges (after, last] from `from` up to `top`, each as wide as `spans` says a page is now: consecutive ranges
     * share their bound, so every row is in exactly one range even if rows change while they are read.
     */
    async function* idRanges(from: number, spans: IdSpans): AsyncGenerator<IdRange> {
      const top = (await topId) ?? from
      for (let after = from; after < top;) {
        const last = Math.min(top, after + spans.span())
        yield { after, last }
        after = last
      }
    }

    /**
     * Up to `cap` rows of a range (after, last], or with no `last` the next `limit` rows (keyset), and their side
     * values. `spans` learns from each range read.
     */
    const readPage = async ({ after, last }: { after: number; last?: number }, spans?: IdSpans) => {
      const rows = await runArrays(
        last === undefined
          ? `SELECT ${select} FROM ${shape.table} WHERE id > ?${extra} ORDER BY id LIMIT ${limit}`
          : `SELECT ${select} FROM ${shape.table} WHERE id > ? AND id <= ?${extra} ORDER BY id LIMIT ${cap}`,
        last === undefined ? [after, ...conditions.params] : [after, last, ...conditions.params],
        last === undefined ? `${what} after id ${after}` : `${what} after id ${after} to ${last}`,
      )
      const ids = rows.map((row) => Number(row[idAt]))
      const cut = last !== undefined && rows.length === cap
      if (last !== undefined) spans?.observe((cut ? (ids.at(-1) ?? last) : last) - after, rows.length)
      return { rows, ids, side: await sideValues(shape, ids), after, last, cut }
    }
    type Page = Awaited<ReturnType<typeof readPage>>
    const toPage = ({ rows, ids, side }: Page) => {
      const page = rows.map((row, i) => toRecord(row, side.get(ids[i] ?? NaN)))
      if (entity === 'Actions') page.forEach(checkAction)
      return page
    }

    // Keyset paging (`WHERE id > ? LIMIT n`) learns where a page begins only when the one before has come, so
    // its queries never overlap. It matters when the database is across a network: each page then waits a round
    // trip or more, one after the other. So the first page is read as before (a table of one page takes one
    // query, as before), and beside it the highest id; the next pages are id ranges as wide as the pages read so far
    // say (id-spans.ts), read several at once while this process converts the one before.
    let rest: AsyncGenerator<Page> | undefined
    const inFlight = readAhead()
    try {
      const first = await readPage({ after: afterId })
      if (first.rows.length < limit) {
        yield toPage(first)
        return
      }
      let lastId = first.ids.at(-1) ?? afterId
      const spans = idSpans(limit, first.ids)
      rest = readInOrder(idRanges(lastId, spans), (range) => readPage(range, spans), await inFlight)
      // Asked for before the first page is handed over, so that the next pages are read while it is used.
      const second = rest.next()
      second.catch(() => undefined)
      yield toPage(first)
      for (let next = await second; next.done !== true; next = await rest.next()) {
        let page: Page = next.value
        yield toPage(page)
        // The rest of a range that held more than a page, before the next range (already being read).
        while (page.cut) {
          page = await readPage({ after: page.ids.at(-1) ?? page.after, last: page.last ?? page.after })
          yield toPage(page)
        }
        lastId = page.last ?? lastId
      }
      // Rows added above the highest id since the read began, by keyset.
      for (let after = Math.max(lastId, (await topId) ?? lastId); ;) {
        const page = await readPage({ after })
        if (page.rows.length > 0) yield toPage(page)
        if (page.rows.length < limit) return
        after = page.ids.at(-1) ?? after
      }
    } finally {
      // A consumer that stops early, or a failure, leaves no query unobserved: readInOrder waits for its reads.
      await rest?.return(undefined)
      await Promise.allSettled([topId, inFlight])
    }
  }

  /** Keyset-paged rows of a database-only table; columns an older table lacks come back null, said once. */
  async function* tableRows<Row>(
    spec: TableSpec,
    condition: { sql: string; params: readonly unknown[] } = { sql: '', params: [] },
  ): AsyncGenerator<Row> {
    const { tables } = await ready()
    const columns = tables.get(spec.table)
    if (!columns) {
      noticeOnce(`table:${spec.table}`, {
        kind: 'missing-table',
        entity: spec.table,
        message: `${spec.table} does not exist in "${address.database}": this X2CRM version has no such data; read as none`,
      })
      return
    }
    const lacking = spec.required.filter((c) => !columns.has(c))
    if (lacking.length > 0) {
      throw new MigrationError(
        `${spec.table} in "${address.database}" (${where}) lacks column${lacking.length > 1 ? 's' : ''} ` +
          `${lacking.join(', ')}, which reading it needs. The table is from an X2CRM version this tool does not ` +
          `know, or damaged; compare it with a fresh X2CRM 7.x install.`,
      )
    }
    const absent = spec.optional.filter((c) => !columns.has(c))
    if (absent.length > 0) {
      noticeOnce(`columns:${spec.table}`, {
        kind: 'missing-column',
        entity: spec.table,
        message: `${spec.table} has no ${absent.join(', ')} (an older X2CRM version); read as empty`,
      })
    }
    const select = [
      ...spec.required.map((c) => `\`${c}\``),
      ...spec.optional.map((c) => (columns.has(c) ? `\`${c}\`` : `NULL AS \`${c}\``)),
    ].join(', ')
    const extra = condition.sql === '' ? '' : ` AND (${condition.sql})`
    let lastId = BEFORE_ALL_IDS
    for (;;) {
      const rows = await run(
        `SELECT ${select} FROM ${spec.table} WHERE id > ?${extra} ORDER BY id LIMIT ?`,
        [lastId, ...condition.params, DEFAULT_PAGE_SIZE],
        `${spec.table} after id ${lastId}`,
      )
      for (const row of rows) yield decodeBuffers(row) as Row
      if (rows.length < DEFAULT_PAGE_SIZE) return
      lastId = Number(rows.at(-1)?.id)
    }
  }

  function optionalEq(column: string, value: number | undefined) {
    return value === undefined ? undefined : { sql: `\`${column}\` = ?`, params: [value] }
  }

  async function* changelog(since = 0): AsyncGenerator<Rows.ChangelogRow> {
    yield* tableRows<Rows.ChangelogRow>(TABLES.changelog, { sql: '`timestamp` > ?', params: [since] })
  }

  /**
   * The records of chosen ids (`ReadOptions.ids`), ascending, a page of ids per query. Each query has the same
   * number of placeholders (the last page repeats its last id), so one prepared statement serves every page.
   */
  async function* recordsWithIds(entity: string, ids: readonly number[]): AsyncGenerator<X2crmRecord> {
    const shape = await shapeOf(entity)
    const build = recordBuilder(shape)
    const idAt = shape.columns.indexOf('id')
    const sorted = [...new Set(ids)].sort((a, b) => a - b)
    const placeholders = Array.from({ length: DEFAULT_PAGE_SIZE }, () => '?').join(', ')
    const sql = `SELECT ${selectList(shape)} FROM ${shape.table} WHERE id IN (${placeholders}) ORDER BY id`
    for (let start = 0; start < sorted.length; start += DEFAULT_PAGE_SIZE) {
      const chunk = sorted.slice(start, start + DEFAULT_PAGE_SIZE)
      const last = chunk.at(-1) ?? 0
      const params = Array.from({ length: DEFAULT_PAGE_SIZE }, (_, i) => chunk[i] ?? last)
      const rows = await runArrays(sql, params, `${entity} (${shape.table}) ids ${chunk[0]}–${last}`)
      const found = rows.map((row) => Number(row[idAt]))
      const side = await sideValues(shape, found)
      for (const [i, row] of rows.entries()) {
        const record = build(row, side.get(found[i] ?? NaN))
        if (entity === 'Actions') checkAction(record)
        yield record
      }
    }
  }

  return {
    records(entity, readOptions = {}) {
      const { ids } = readOptions
      if (ids === undefined) return flattenPages(recordPages(entity, readOptions))
      return (async function* () {
        if (readOptions.afterId !== undefined || Object.keys(readOptions.filters ?? {}).length > 0)
          throw new InternalError(`Reading chosen ids of ${entity} takes no afterId or filters`)
        yield* recordsWithIds(entity, ids)
      })()
    },

    async record(entity, id) {
      if (!Number.isSafeInteger(id)) throw new InternalError(`Not an X2CRM record id: ${id}`)
      const shape = await shapeOf(entity)
      const select = selectList(shape)
      const rows = await runArrays(
        `SELECT ${select} FROM ${shape.table} WHERE id = ?`,
        [id],
        `${entity} ${id}`,
      )
      const row = rows[0]
      if (!row) return undefined
      const side = await sideValues(shape, [id])
      const record = recordBuilder(shape)(row, side.get(id))
      if (entity === 'Actions') checkAction(record)
      return record
    },

    async count(entity, filters = {}) {
      const shape = await shapeOf(entity)
      const { tables } = await ready()
      const conditions = filterConditions(entity, filters, tables.get(shape.table) ?? new Set())
      const whereSql = conditions.sql.length === 0 ? '' : ` WHERE ${conditions.sql.join(' AND ')}`
      const rows = await run(
        `SELECT COUNT(*) AS n FROM ${shape.table}${whereSql}`,
        conditions.params,
        `the count of ${entity}`,
      )
      return Number(rows[0]?.n ?? 0)
    },

    async fields(entity): Promise<X2crmField[]> {
      await ready()
      const rows = await run(
        `SELECT fieldName, attributeLabel, type, linkType, custom, required, readOnly
           FROM x2_fields WHERE modelName = ? ORDER BY id`,
        [entity],
        `the fields of ${entity} (x2_fields)`,
      )
      return rows.map((row) => ({
        fieldName: textOf(row.fieldName),
        attributeLabel:
          row.attributeLabel === null || row.attributeLabel === undefined
            ? textOf(row.fieldName)
            : textOf(row.attributeLabel),
        type: textOf(row.type),
        linkType:
          row.linkType === null || row.linkType === undefined || row.linkType === ''
            ? null
            : textOf(row.linkType),
        custom: Number(row.custom) === 1,
        required: Number(row.required) === 1,
        readOnly: Number(row.readOnly) === 1,
      }))
    },

    async users(): Promise<X2crmUser[]> {
      await ready()
      // The API's admin view: x2_users merged with x2_profile, the profile winning on shared keys (api.md §1.10).
      // Only what a migration uses is selected: never password, userKey or any other secret.
      const rows = await run(
        `SELECT u.id, COALESCE(p.username, u.username) AS username,
                COALESCE(p.emailAddress, u.emailAddress) AS emailAddress,
                u.firstName, u.lastName, COALESCE(p.status, u.status) AS status
           FROM x2_users u LEFT JOIN x2_profile p ON p.id = u.id ORDER BY u.id`,
        [],
        'the users (x2_users, x2_profile)',
      )
      return rows.map((row) => ({
        id: Number(row.id),
        username: textOf(row.username),
        emailAddress: textOrNull(row.emailAddress),
        firstName: textOrNull(row.firstName),
        lastName: textOrNull(row.lastName),
        status: Number(row.status),
      }))
    },

    flows: () => tableRows(TABLES.flows),
    triggerLogs: (flowId) => tableRows(TABLES.triggerLogs, optionalEq('flowId', flowId)),
    workflows: () => tableRows(TABLES.workflows),
    workflowStages: (workflowId) => tableRows(TABLES.workflowStages, optionalEq('workflowId', workflowId)),
    stageHistory: () => tableRows(TABLES.stageHistory, { sql: "`type` = 'workflow'", params: [] }),
    roles: () => tableRows(TABLES.roles),
    roleMembers: () => tableRows(TABLES.roleMembers),
    async *fieldPermissions() {
      const fields = new Map<number, { modelName: string; fieldName: string }>()
      for (const row of await run('SELECT id, modelName, fieldName FROM x2_fields', [], 'x2_fields')) {
        fields.set(Number(row.id), { modelName: textOf(row.modelName), fieldName: textOf(row.fieldName) })
      }
      for await (const row of tableRows<Omit<Rows.FieldPermissionRow, 'modelName' | 'fieldName'>>(
        TABLES.fieldPermissions,
      )) {
        const field = fields.get(row.fieldId)
        yield { ...row, modelName: field?.modelName ?? null, fieldName: field?.fieldName ?? null }
      }
    },
    roleStages: () => tableRows(TABLES.roleStages),
    roleExceptions: () => tableRows(TABLES.roleExceptions),
    async authAssignments() {
      const { tables } = await ready()
      if (!tables.has('x2_auth_assignment')) return []
      const rows = await run(
        'SELECT itemname, userid FROM x2_auth_assignment ORDER BY userid, itemname',
        [],
        'x2_auth_assignment',
      )
      return rows.map((row) => ({ itemname: textOf(row.itemname), userid: textOf(row.userid) }))
    },
    groups: () => tableRows(TABLES.groups),
    groupMembers: () => tableRows(TABLES.groupMembers),
    listItems: (listId) => tableRows(TABLES.listItems, optionalEq('listId', listId)),
    async tagsOfClass(entity) {
      const tags = new Map<number, string[]>()
      for await (const row of tableRows<Rows.TagRow>(TABLES.tags, { sql: '`type` = ?', params: [entity] })) {
        const id = Number(row.itemId)
        tags.set(id, [...(tags.get(id) ?? []), textOf(row.tag)])
      }
      return tags
    },
    async *relationships() {
      for await (const row of tableRows<Record<string, unknown>>(TABLES.relationships)) {
        const label = (value: unknown) => (value === null || value === undefined ? null : textOf(value))
        yield {
          id: Number(row.id),
          firstType: textOf(row.firstType),
          firstId: Number(row.firstId),
          firstLabel: label(row.firstLabel),
          secondType: textOf(row.secondType),
          secondId: Number(row.secondId),
          secondLabel: label(row.secondLabel),
        }
      }
    },
    listCriteria: (listId) => tableRows(TABLES.listCriteria, optionalEq('listId', listId)),
    quoteLines: (quoteId) => tableRows(TABLES.quoteLines, optionalEq('quoteId', quoteId)),
    actionLinks: () => tableRows(TABLES.actionLinks),
    calendarInvites: () => tableRows(TABLES.calendarInvites),
    changelog,
    async *deletions(since = 0) {
      for await (const row of changelog(since)) {
        if (row.changed !== 'delete') continue
        yield {
          entity: row.type,
          id: row.itemId,
          name: row.recordName,
          deletedBy: row.changedBy,
          deletedAt: row.timestamp,
        }
      }
    },

    reports: () => tableRows(TABLES.reports),
    charts: () => tableRows(TABLES.charts),
    widgetLayouts: () => tableRows(TABLES.settings, { sql: "`recordType` = 'Profile'", params: [] }),
    modules: () => tableRows(TABLES.modules),
    campaignAttachments: () => tableRows(TABLES.campaignAttachments),
    async dropdowns() {
      await ready()
      const rows = await run(
        'SELECT id, name, options, multi FROM x2_dropdowns ORDER BY id',
        [],
        'the dropdowns (x2_dropdowns)',
      )
      const parsed = parseDropdowns(
        rows.map(decodeBuffers).map((row) => ({
          ...row,
          options: typeof row.options === 'string' ? parseJson(row.options) : null,
        })),
      )
      if ('issues' in parsed) {
        throw new MigrationError(
          `x2_dropdowns in "${address.database}" (${where}) holds rows X2CRM would not write: ${parsed.issues.slice(0, 3).join('; ')}`,
        )
      }
      return parsed.rows
    },

    changes: createChangeFinder({
      query: run,
      tableOf: (entity) => tableForClass(entity, options.tables),
      columnsOf: async (table) => (await ready()).tables.get(table),
    }),

    async close() {
      // The round trips may still be connecting (they start with the schema): ending the pool under them fails.
      await pagesAtOnce?.catch(() => undefined)
      await db.close()
    },
  }
}

/** A dropdown's `options` column: JSON, or `null` when it is not (read as no options). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return null
  }
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined || value === '' ? null : textOf(value)
}

function decodeBuffers(row: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(row))
    if (Buffer.isBuffer(value)) row[key] = value.toString('utf8')
  return row
}
