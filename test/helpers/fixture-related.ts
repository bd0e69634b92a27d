import { readFileSync } from 'node:fs'
import type { RelatedReaders } from '../../src/source/x2crm/related.ts'

const SQL = new URL('../fixtures/x2crm/fixture/x2crm-7.1.sql', import.meta.url)

/** The rows of one table's `INSERT INTO … VALUES (…),(…);` in the fixture's dump, as raw SQL literals. */
export function dumpRows(table: string): string[][] {
  const sql = readFileSync(SQL, 'utf8')
  const start = sql.indexOf(`INSERT INTO \`${table}\` VALUES`)
  if (start < 0) return []
  const end = sql.indexOf(';\n', start)
  const body = sql.slice(sql.indexOf('VALUES', start) + 6, end)
  const rows: string[][] = []
  // Literals: numbers, NULL, or '...' with backslash escapes.
  const rowRe = /\(((?:'(?:[^'\\]|\\.)*'|[^()'])*)\)/g
  for (const row of body.matchAll(rowRe)) {
    const cells = [...(row[1] ?? '').matchAll(/'((?:[^'\\]|\\.)*)'|([^,]+)/g)].map((m) =>
      m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? '').trim(),
    )
    rows.push(cells)
  }
  return rows
}

/**
 * The fixture's database-only data as the database reader gives it: the 25 members of static list 1
 * (`x2_list_items`: id, emailAddress, contactId, listId, …), for tests that run against the API simulator.
 */
export function fixtureRelated(): Required<Pick<RelatedReaders, 'listMembers'>> {
  const items = dumpRows('x2_list_items').map((cells) => ({
    emailAddress: cells[1] === 'NULL' ? null : (cells[1] ?? null),
    recordId: cells[2] === 'NULL' ? null : Number(cells[2]),
    listId: Number(cells[3]),
  }))
  return {
    async *listMembers(listId) {
      for (const item of items) if (item.listId === listId) yield item
    },
  }
}
