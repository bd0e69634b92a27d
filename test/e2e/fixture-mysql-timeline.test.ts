import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { loadDump } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import type { RunEvent } from '../../src/run/events.ts'
import { migrate } from '../../src/run/migrate.ts'
import { verify } from '../../src/run/verify.ts'
import { createMysqlSource, type MysqlSource } from '../../src/source/x2crm/mysql/source.ts'
import { createUploadsReader } from '../../src/source/x2crm/uploads/reader.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import {
  createScratchDatabase,
  FIXTURE_DUMP,
  FIXTURE_SQL,
  FIXTURE_UPLOADS,
  type ScratchDatabase,
} from '../helpers/mariadb.ts'

/**
 * The real X2CRM 7.1 fixture (test/fixtures/x2crm/fixture: its SQL dump restored into MariaDB, its uploads folder)
 * migrated with the built-in map through the database reader into the Dataverse simulator: the customer's timeline
 * arrives table by table, with the counts the fixture's README gives.
 */
const dump = JSON.parse(readFileSync(FIXTURE_DUMP, 'utf8')) as {
  records: Record<string, Record<string, unknown>[]>
}

let scratch: ScratchDatabase
let source: MysqlSource
beforeAll(async () => {
  scratch = await createScratchDatabase('timeline', { load: FIXTURE_SQL })
  source = createMysqlSource({ url: scratch.url, password: '' })
})
afterAll(async () => {
  await source?.close()
  await scratch?.drop()
})

describe('the fixture from MariaDB and its uploads folder, with the built-in map', () => {
  it('loads every kind of action into its table, the notes and files, and closes the won and lost opportunities', async () => {
    const dataverse = createDataverseSimulator({})
    dataverse.seed('systemuser', demoSystemUsers(loadDump(dump).users))
    const settings = dataverse.settings()
    const dataverseFetch = fetchFor(dataverse.handle)
    const target = createDataverseClient({
      url: settings.url,
      fetch: dataverseFetch,
      getToken: createMsalTokenProvider({ ...settings, fetch: dataverseFetch }).getToken,
      sleep: async () => {},
    })
    const events: RunEvent[] = []
    const deps = {
      source,
      target,
      uploads: createUploadsReader({ dir: FIXTURE_UPLOADS }),
      ledger: createMemoryLedger(),
      emit: (e: RunEvent) => events.push(e),
      now: () => new Date(),
    }
    const mapping = defaultMapping()
    const result = await migrate(
      { instance: 'fixture', mapping, batchSize: 25, defaultOwnerEmail: DEMO_DEFAULT_OWNER },
      deps,
    )
    expect(result.reconciliation.balanced).toBe(true)

    const rows = (table: string) => dataverse.rows(table)
    const counts = Object.fromEntries(
      ['phonecall', 'appointment', 'email', 'task', 'annotation', 'opportunity', 'opportunityclose'].map(
        (t) => [t, rows(t).length],
      ),
    )
    const files = rows('annotation').filter((n) => n['isdocument'] === true)
    const opportunities = rows('opportunity')
    const state = (n: number) => opportunities.filter((o) => o['statecode'] === n).length
    console.log(
      `fixture (MariaDB + uploads) → Dataverse: ${JSON.stringify(counts)}; annotation = ${rows('annotation').length - files.length} notes + ${files.length} files; opportunity open ${state(0)}, won ${state(1)}, lost ${state(2)}`,
    )
    // The fixture (its README): calls 18, meetings 14, e-mails 14, to-dos 18, notes 16; 4 files; 25 opportunities,
    // 7 won and 6 lost.
    expect(counts).toEqual({
      phonecall: 18,
      appointment: 14,
      email: 14,
      task: 18,
      annotation: 20,
      opportunity: 25,
      opportunityclose: 13,
    })
    expect(files).toHaveLength(4)
    expect([state(0), state(1), state(2)]).toEqual([12, 7, 6])

    // Each file's body is the file on disk, byte for byte.
    const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
    for (const file of files) {
      const media = dump.records['Media']?.find((m) => m['fileName'] === file['filename'])
      const onDisk = readFileSync(
        join(FIXTURE_UPLOADS, 'protected/media', String(media?.['uploadedBy']), String(file['filename'])),
      )
      expect(sha(Buffer.from(String(file['documentbody']), 'base64')), String(file['filename'])).toBe(
        sha(onDisk),
      )
    }
    // Every activity and note is about a record (the fixture has none about nothing).
    for (const table of ['phonecall', 'appointment', 'email', 'task'])
      for (const row of rows(table)) expect(row['_regardingobjectid_value'], table).toBeTruthy()
    for (const note of rows('annotation')) expect(note['_objectid_value']).toBeTruthy()

    // verify reads every record back, notes and files included: nothing differs.
    const checked = await verify({ instance: 'fixture', mapping }, deps)
    for (const entity of checked.entities) expect(entity.mismatches, entity.entity).toEqual([])
    expect(checked.entities.find((e) => e.entity === 'Media→annotation')?.matched).toBe(4)

    // A file changed on the server since: verify finds its note's body differs, by SHA-256.
    const changed = mkdtempSync(join(tmpdir(), 'x2d365-uploads-'))
    cpSync(FIXTURE_UPLOADS, changed, { recursive: true })
    const first = files[0]
    const media = dump.records['Media']?.find((m) => m['fileName'] === first?.['filename'])
    writeFileSync(
      join(changed, 'protected/media', String(media?.['uploadedBy']), String(first?.['filename'])),
      'edited',
    )
    const again = await verify(
      { instance: 'fixture', mapping },
      { ...deps, uploads: createUploadsReader({ dir: changed }) },
    )
    const notes = again.entities.find((e) => e.entity === 'Media→annotation')
    expect(notes?.mismatches.map((m) => [m.sourceKey, m.column, m.expected])).toEqual([
      [`Media:${String(media?.['id'])}`, 'documentbody', `sha256:${sha(Buffer.from('edited'))}`],
    ])
    expect(notes?.mismatches[0]?.actual).toMatch(/^sha256:[0-9a-f]{64}$/)
    rmSync(changed, { recursive: true, force: true })
  }, 60_000)
})
