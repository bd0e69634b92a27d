/**
 * `npm run fixture:counts [-- --json]`: restores the real X2CRM 7.1 fixture (test/fixtures/x2crm/fixture) into a
 * scratch MariaDB database on 127.0.0.1 (root, no password; X2D365_TEST_MYSQL_PORT), migrates it with its uploads
 * folder into the Dataverse simulator with a map carrying every object x2d365 migrates (bench/fixture-full.ts),
 * verifies every record, and prints rows per Dataverse table against the fixture's own counts, counted with SQL.
 * `--json` prints the numbers as JSON instead. Exit 1 when a difference is unexplained or verify finds a mismatch.
 */
import { parseArgs } from 'node:util'
import mysql from 'mysql2/promise'
import { createScratchDatabase, FIXTURE_SQL, FIXTURE_UPLOADS, MARIADB } from '../test/helpers/mariadb.ts'
import { runFixture, TAG_COLUMN } from './fixture-full.ts'
import { formatTally, tallyFixture, type Query } from './fixture-tally.ts'

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false } } })

const scratch = await createScratchDatabase('fixture_counts', { load: FIXTURE_SQL })
const connection = await mysql.createConnection({ ...MARIADB, database: scratch.name, charset: 'utf8mb4' })
let failed = false
try {
  const started = Date.now()
  const run = await runFixture(scratch.url, FIXTURE_UPLOADS)
  const seconds = (Date.now() - started) / 1000
  const query: Query = async (sql) => (await connection.query(sql))[0] as Record<string, unknown>[]
  const appUserId = run.dataverse
    .rows('systemuser')
    .find((u) => u['applicationid'] === run.dataverse.settings().clientId)?.['systemuserid']
  const lines = await tallyFixture(run.dataverse, query, {
    tagColumn: TAG_COLUMN,
    ...(typeof appUserId === 'string' && { appUserId }),
  })
  const quarantined = run.events.flatMap((e) =>
    e.type === 'record.quarantined' ? [{ sourceKey: e.sourceKey, reason: e.reason }] : [],
  )
  const mismatches = run.verified.entities.reduce((n, e) => n + e.mismatched + e.missing, 0)
  const unexplained = lines.filter((l) => l.fixture !== null && l.fixture !== l.dataverse && l.why === '')
  failed = unexplained.length > 0 || !run.verified.ok || !run.migrated.reconciliation.balanced
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          lines,
          balanced: run.migrated.reconciliation.balanced,
          verify: {
            ok: run.verified.ok,
            checked: run.verified.entities.reduce((n, e) => n + e.checked, 0),
            mismatches,
          },
          quarantined,
          seconds,
        },
        null,
        2,
      )}\n`,
    )
  } else {
    process.stdout.write(
      `${formatTally(lines)}\n\n` +
        `Reconciliation balanced: ${run.migrated.reconciliation.balanced}. ` +
        `verify (every record, field by field): ${run.verified.entities.reduce((n, e) => n + e.checked, 0)} checked, ` +
        `${mismatches} mismatched or missing. Run ${seconds.toFixed(1)} s.\n` +
        `Quarantined: ${quarantined.map((q) => `${q.sourceKey} (${q.reason})`).join('; ') || 'none'}\n`,
    )
  }
  await run.close()
} finally {
  await connection.end()
  await scratch.drop()
}
process.exitCode = failed ? 1 : 0
