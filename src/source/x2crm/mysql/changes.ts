import { PRODUCT_PRICES } from '../../../domain/derived-classes.ts'
import type { ChangeFinder } from '../changes.ts'

/** Runs a read-only query; `what` names the data for the error message (the MySQL source's `run`). */
export type Query = (
  sql: string,
  params: readonly unknown[],
  what: string,
) => Promise<Record<string, unknown>[]>

export interface ChangeFinderOptions {
  query: Query
  /** The table of a class (`x2_contacts`), or undefined when the reader knows none. */
  tableOf(entity: string): string | undefined
  /** The columns of a table, or undefined when it does not exist. */
  columnsOf(table: string): Promise<ReadonlySet<string> | undefined>
}

/**
 * The `type` X2CRM 7.1 writes into `x2_changelog` for a field change, where it is not the class:
 * `ChangeLogBehavior::updateChangelog` pluralizes Quote and Product and calls campaigns Marketing; its `afterDelete`
 * writes the class itself. Both are searched.
 */
export const CHANGELOG_TYPES: Readonly<Record<string, string>> = {
  Quote: 'Quotes',
  Product: 'Products',
  Campaign: 'Marketing',
}

/** Classes x2d365 derives from another, under the same ids (sales-classes.ts): their marks are the other's. */
const DERIVED_FROM: Readonly<Record<string, string>> = { [PRODUCT_PRICES]: 'Product' }

/** Ids per query of the id-only scan. */
const ID_PAGE = 10_000

/**
 * What X2CRM's database says changed, for a delta that reads only that (src/source/x2crm/changes.ts). X2CRM 7.1,
 * read in its source (protected/components/behaviors):
 * - every save through the app (`X2Model::save`, the UI, API v2, workflows) sets `lastUpdated` to `time()`
 *   (TimestampBehavior::beforeValidate) unless the caller set it, and logs each changed field in `x2_changelog`
 *   (ChangeLogBehavior::afterUpdate: `type`, `itemId`, `fieldName`, `oldValue`, `newValue`, `timestamp`);
 * - a delete through the app logs `changed = 'delete'` (afterDelete); a create logs nothing in `x2_changelog`;
 * - adding a tag writes `x2_tags.timestamp`; removing one deletes its row and leaves no mark;
 * - `update()` calls (lastActivity), imports that set `lastUpdated`, mass updates by SQL and direct SQL mark nothing.
 * So the marks are a first filter: new ids come from the id-only scan, deletions from comparing ids with the ledger,
 * and the content hash of what is read proves each change. `x2_changelog.timestamp` and `lastUpdated` have no index
 * in X2CRM's schema: each is one scan inside MySQL, returning only the ids that match.
 */
export function createChangeFinder(options: ChangeFinderOptions): ChangeFinder {
  const { query } = options
  const classOf = (entity: string) => DERIVED_FROM[entity] ?? entity
  const tableOf = (entity: string) => options.tableOf(classOf(entity))

  async function idsWhere(sql: string, params: readonly unknown[], what: string): Promise<number[]> {
    return (await query(sql, params, what)).map((row) => Number(row['id']))
  }

  async function* namesIn(entity: string, table: string): AsyncGenerator<{ id: number; name: unknown }> {
    if (!(await options.columnsOf(table))?.has('name')) return
    // From the lowest id on, as a full read lists them (not only ids above 0).
    let after = Number.MIN_SAFE_INTEGER
    for (;;) {
      const rows = await query(
        `SELECT id, name FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`,
        [after, ID_PAGE],
        `the names of ${entity} (${table}) after id ${after}`,
      )
      for (const row of rows) yield { id: Number(row['id']), name: row['name'] }
      const last = rows.at(-1)
      if (rows.length < ID_PAGE || last === undefined) return
      after = Number(last['id'])
    }
  }

  return {
    async now() {
      const rows = await query('SELECT UNIX_TIMESTAMP() AS now', [], "the database's clock")
      return Math.floor(Number(rows[0]?.['now']))
    },

    covers: (entity) => tableOf(entity) !== undefined,

    async *ids(entity) {
      const table = tableOf(entity)
      if (table === undefined) throw new RangeError(`No table is known for ${entity}`)
      let after = 0
      for (;;) {
        const ids = await idsWhere(
          `SELECT id FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`,
          [after, ID_PAGE],
          `the ids of ${entity} (${table}) after ${after}`,
        )
        yield* ids
        const last = ids.at(-1)
        if (ids.length < ID_PAGE || last === undefined) return
        after = last
      }
    },

    names(entity) {
      const table = tableOf(entity)
      if (table === undefined) throw new RangeError(`No table is known for ${entity}`)
      // A derived class's records (ProductPrices) are made from another's rows: their names are not the table's.
      if (DERIVED_FROM[entity] !== undefined) return undefined
      return namesIn(entity, table)
    },

    async touched(entity, since) {
      const name = classOf(entity)
      const table = tableOf(entity)
      if (table === undefined) throw new RangeError(`No table is known for ${entity}`)
      const touched = new Set<number>()
      const add = (ids: readonly number[]) => ids.forEach((id) => touched.add(id))
      if ((await options.columnsOf(table))?.has('lastUpdated')) {
        add(
          await idsWhere(
            `SELECT id FROM ${table} WHERE lastUpdated >= ?`,
            [since],
            `${entity} updated since ${since} (${table}.lastUpdated)`,
          ),
        )
      }
      if ((await options.columnsOf('x2_changelog')) !== undefined) {
        const types = [name, ...(CHANGELOG_TYPES[name] === undefined ? [] : [CHANGELOG_TYPES[name]])]
        add(
          await idsWhere(
            'SELECT DISTINCT itemId AS id FROM x2_changelog WHERE `timestamp` >= ? AND `type` IN (?)',
            [since, types],
            `the changes of ${entity} logged since ${since} (x2_changelog)`,
          ),
        )
      }
      if ((await options.columnsOf('x2_tags'))?.has('timestamp')) {
        add(
          await idsWhere(
            'SELECT DISTINCT itemId AS id FROM x2_tags WHERE `timestamp` >= ? AND `type` = ?',
            [since, name],
            `the tags of ${entity} added since ${since} (x2_tags)`,
          ),
        )
      }
      return touched
    },
  }
}
