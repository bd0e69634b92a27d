import type Database from 'better-sqlite3'

/** Rows of the largest statement: a batch of 100 is three statements (64 + 32 + 4 rows), 448 variables at most. */
const MOST_ROWS = 64

/**
 * Writes many rows with a few multi-row statements (`INSERT ... VALUES (...), (...)`) instead of one statement per
 * row: each statement costs a call into SQLite, a bind and a step whatever its size, and the ledger writes four rows
 * per migrated record. Rows go in chunks of 64, 32, 16 ... 1 (the binary digits of their count), so at most seven
 * statements per kind are ever prepared. Rows are written in the order given, as one statement per row would: a
 * REPLACE of a key given twice keeps the later row, an IGNORE the earlier.
 * @param insert the statement without its VALUES, e.g. `INSERT OR IGNORE INTO t (a, b)`
 * @param width the columns of a row: `values` holds them row after row
 * @example const save = rowsWriter(db, 'INSERT OR REPLACE INTO content_hashes (entity, id, hash)', 3)
 *          save(['Contacts', 1, 'ab12', 'Contacts', 2, 'cd34'])
 */
export function rowsWriter(
  db: Database.Database,
  insert: string,
  width: number,
): (values: readonly unknown[]) => void {
  const bySize = new Map<number, Database.Statement<unknown[]>>()
  const row = `(${Array(width).fill('?').join(', ')})`
  const statement = (rows: number) => {
    let prepared = bySize.get(rows)
    if (prepared === undefined) {
      prepared = db.prepare<unknown[]>(`${insert} VALUES ${Array(rows).fill(row).join(', ')}`)
      bySize.set(rows, prepared)
    }
    return prepared
  }
  return (values) => {
    if (values.length % width !== 0) {
      throw new RangeError(`${values.length} values are not rows of ${width} columns`)
    }
    let offset = 0
    for (let rows = MOST_ROWS; rows >= 1; rows >>= 1) {
      while (values.length - offset >= rows * width) {
        statement(rows).run(...values.slice(offset, offset + rows * width))
        offset += rows * width
      }
    }
  }
}
