import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDataverseSimulator } from '../../sim/dataverse/index.ts'
import { loadDump } from '../../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../../src/cli/demo-users.ts'
import { createMemoryLedger } from '../../src/ledger/memory.ts'
import { defaultMapping } from '../../src/mapping/default-map.ts'
import { delta, type DeltaOptions, type DeltaResult, type EntityDelta } from '../../src/run/delta.ts'
import { migrate } from '../../src/run/migrate.ts'
import { databaseRelated } from '../../src/source/x2crm/mysql/related.ts'
import { createMysqlSource, type MysqlSource } from '../../src/source/x2crm/mysql/source.ts'
import { createMsalTokenProvider } from '../../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../../src/target/dataverse/client.ts'
import { fetchFor } from '../helpers/handler-fetch.ts'
import { createScratchDatabase, FIXTURE_DUMP, FIXTURE_SQL, type ScratchDatabase } from '../helpers/mariadb.ts'

/**
 * `delta` on the database source reads what X2CRM marked as changed (x2_changelog, lastUpdated, tags) since the last
 * run, plus an id-only scan for new and deleted records; each candidate is proven by its content hash. The fixture is
 * restored into MariaDB, migrated into the Dataverse simulator, then edited the way X2CRM 7.1 writes (an app save
 * sets lastUpdated and logs each field in x2_changelog: ChangeLogBehavior::updateChangelog, TimestampBehavior), and
 * the way an edit that bypasses the app does (direct SQL: no mark).
 */
const dump = JSON.parse(readFileSync(FIXTURE_DUMP, 'utf8')) as {
  records: Record<string, Record<string, unknown>[]>
}

let scratch: ScratchDatabase
let source: MysqlSource
beforeAll(async () => {
  scratch = await createScratchDatabase('delta_changes', { load: FIXTURE_SQL })
  source = createMysqlSource({ url: scratch.url, password: '' })
})
afterAll(async () => {
  await source?.close()
  await scratch?.drop()
})

function setup() {
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
  const deps = {
    source,
    related: databaseRelated(source),
    target,
    ledger: createMemoryLedger(),
    emit: () => undefined,
    now: () => new Date(),
  }
  const options: DeltaOptions = {
    instance: 'fixture',
    mapping: defaultMapping(),
    batchSize: 25,
    defaultOwnerEmail: DEMO_DEFAULT_OWNER,
    // Every unmarked record unread, so that what was read is exactly the candidates.
    changesSpotCheck: 0,
  }
  return { dataverse, deps, options }
}

/** An edit through the app: the column, lastUpdated and one x2_changelog row, as X2CRM 7.1 writes them. */
async function saveInApp(id: number, field: string, value: string) {
  await scratch.admin(
    `UPDATE x2_contacts SET \`${field}\` = ?, lastUpdated = UNIX_TIMESTAMP() WHERE id = ?`,
    [value, id],
  )
  await scratch.admin(
    `INSERT INTO x2_changelog (type, itemId, recordName, changedBy, fieldName, oldValue, newValue, diff, timestamp)
     SELECT 'Contacts', id, name, 'admin', ?, NULL, ?, 0, UNIX_TIMESTAMP() FROM x2_contacts WHERE id = ?`,
    [field, value, id],
  )
}

/** What the delta found, less the records quarantined before and tried again (media without files, contact 57). */
const changesOf = (result: DeltaResult) =>
  result.changes.filter((c) => c.change !== 'retried').map((c) => `${c.change} ${c.sourceKey}`)
const contactsOf = (entities: readonly EntityDelta[]) => entities.find((e) => e.entity === 'Contacts')

describe('delta --changes changelog on the fixture database', () => {
  it('finds app edits, a logged-only edit, a new and a deleted record, reads only those, and leaves a bypassing edit to --changes full', async () => {
    const { dataverse, deps, options } = setup()
    const migrated = await migrate(options, deps)
    expect(migrated.reconciliation.balanced).toBe(true)
    const counted = (await scratch.admin('SELECT COUNT(*) AS n FROM x2_contacts WHERE id > 0')) as {
      n: number
    }[]
    const total = Number(counted[0]?.n)

    await saveInApp(3, 'title', 'Head of Changes')
    // Logged in x2_changelog without a new lastUpdated (the caller set lastUpdated itself).
    await scratch.admin("UPDATE x2_contacts SET title = 'Logged only' WHERE id = 4")
    await scratch.admin(
      `INSERT INTO x2_changelog (type, itemId, recordName, changedBy, fieldName, newValue, diff, timestamp)
       VALUES ('Contacts', 4, 'x', 'admin', 'title', 'Logged only', 0, UNIX_TIMESTAMP())`,
    )
    // Direct SQL: no lastUpdated, no changelog. Changelog mode cannot see it; the hash of a full read does.
    await scratch.admin("UPDATE x2_contacts SET title = 'Behind the app' WHERE id = 5")
    // A delete through the app (ChangeLogBehavior::afterDelete logs it; the id scan finds it either way).
    const deletedId = 6
    await scratch.admin(`DELETE FROM x2_contacts WHERE id = ?`, [deletedId])
    await scratch.admin(
      `INSERT INTO x2_changelog (type, itemId, recordName, changedBy, changed, diff, timestamp)
       VALUES ('Contacts', ?, 'gone', 'admin', 'delete', 0, UNIX_TIMESTAMP())`,
      [deletedId],
    )
    // A new record: X2CRM logs no create in x2_changelog; the id scan finds it.
    await scratch.admin(
      `INSERT INTO x2_contacts (id, firstName, lastName, name, nameId, visibility, createDate, lastUpdated)
       VALUES (900, 'New', 'Person', 'New Person', 'New Person_900', 1, UNIX_TIMESTAMP(), UNIX_TIMESTAMP())`,
    )

    const first = await delta(options, deps)
    expect(first.reading?.mode).toBe('changelog')
    const contacts = contactsOf(first.entities)
    // Contact 57 was quarantined by the migration (its name is too long): it has no hash, so it is tried again.
    const retried = contacts?.retried ?? 0
    expect(retried).toBe(1)
    expect(contacts?.found).toMatchObject({ new: 1 + retried, changed: 2, deleted: 1 })
    // The table lost one record and gained one.
    expect(contacts?.read?.scanned).toBe(total)
    expect(contacts?.found.unchanged).toBe(total - 1 - retried - 2)
    expect(contacts?.read?.mode).toBe('changelog')
    // Read whole: the new one, the two marked ones and the retried one; no record without a mark (spot check off).
    expect(contacts?.read?.read).toBe(4)
    expect(changesOf(first).sort()).toEqual([
      'changed Contacts:3',
      'changed Contacts:4',
      `deleted Contacts:${deletedId}`,
      'new Contacts:900',
    ])
    expect(first.reconciliation.balanced).toBe(true)
    const row = async (id: number) => {
      const loaded = (await deps.ledger.loaded([`Contacts:${id}`])).get(`Contacts:${id}`)
      return (
        dataverse.rows('contact').find((r) => r['contactid'] === loaded?.targetId) ??
        dataverse.rows('lead').find((r) => r['leadid'] === loaded?.targetId)
      )
    }
    expect((await row(3))?.['jobtitle']).toBe('Head of Changes')
    expect((await row(5))?.['jobtitle']).not.toBe('Behind the app')

    // The full comparison finds the edit that bypassed the app, and only it.
    const full = await delta({ ...options, changes: 'full' }, deps)
    expect(full.reading?.mode).toBe('full')
    expect(contactsOf(full.entities)?.read).toMatchObject({ mode: 'full', read: total })
    expect(changesOf(full)).toEqual(['changed Contacts:5'])
    expect((await row(5))?.['jobtitle']).toBe('Behind the app')

    // Nothing changed since: nothing is read but what stays marked, nothing is written.
    const idle = await delta(options, deps)
    expect(idle.reading?.mode).toBe('changelog')
    expect(changesOf(idle)).toEqual([])
    for (const { found, retried } of idle.entities)
      expect({ ...found, new: found.new - retried }).toMatchObject({ new: 0, changed: 0, deleted: 0 })
  })

  it('turns a class to a full comparison when the spot check finds an unmarked change', async () => {
    const { deps, options } = setup()
    await migrate(options, deps)
    await scratch.admin("UPDATE x2_contacts SET title = 'Unmarked' WHERE id = 1")
    // A spot check larger than the class reads all of it (the sample is drawn at random otherwise).
    const result = await delta({ ...options, changesSpotCheck: 1000 }, deps)
    const contacts = contactsOf(result.entities)
    expect(contacts?.read?.mode).toBe('full')
    expect(contacts?.read?.fellBack).toMatch(/spot check found 1 unmarked record changed/)
    expect(changesOf(result)).toEqual(['changed Contacts:1'])
  })
})
