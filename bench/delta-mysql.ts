/**
 * What a delta reads on the database source, `--changes full` against `--changes changelog`, on the same data:
 *
 *   npx tsx bench/delta-mysql.ts [--contacts 100000] [--changed 0.01]
 *
 * The fixture (x2crm-7.1.sql) is restored into a scratch MariaDB database and grown by `--contacts` copies of its
 * contacts. A first full read hashes every contact (what the migration leaves in the ledger). Then X2CRM changes:
 * `--changed` of the contacts are saved through the app (a new title, lastUpdated and an x2_changelog row, as X2CRM
 * 7.1 writes them), 10 are deleted (logged as X2CRM does) and 10 are added. Each mode then finds the changes of
 * Contacts: the seconds, the records read whole, and what it found. Only the read side is measured (finding the
 * changes); loading them into Dataverse costs the same in both modes. Needs the MariaDB of the tests.
 *
 *   npx tsx bench/delta-mysql.ts --load [--contacts 20000]
 *
 * The whole `delta` instead, into the Dataverse simulator in process, after a `migrate` of the grown fixture with the
 * built-in map: a changelog delta that loads the changes, then a full delta and a changelog delta with nothing to do.
 */
import { readFileSync } from 'node:fs'
import { createDataverseSimulator } from '../sim/dataverse/index.ts'
import { loadDump } from '../sim/x2crm/index.ts'
import { DEMO_DEFAULT_OWNER, demoSystemUsers } from '../src/cli/demo-users.ts'
import { createSqliteLedger } from '../src/ledger/sqlite.ts'
import { defaultMapping } from '../src/mapping/default-map.ts'
import { delta, type DeltaResult } from '../src/run/delta.ts'
import { migrate } from '../src/run/migrate.ts'
import { databaseRelated } from '../src/source/x2crm/mysql/related.ts'
import { createMsalTokenProvider } from '../src/target/dataverse/auth.ts'
import { createDataverseClient } from '../src/target/dataverse/client.ts'
import { fetchFor } from '../test/helpers/handler-fetch.ts'
import { parseArgs } from 'node:util'
import { createMemoryHashStore } from '../src/ledger/hash-store.ts'
import { detectDeltaByChanges, type ChangesReport } from '../src/source/x2crm/changes.ts'
import { contentHash, detectDelta, type DeltaChange, type DeltaStatus } from '../src/source/x2crm/delta.ts'
import { createMysqlSource } from '../src/source/x2crm/mysql/source.ts'
import type { X2crmRecord } from '../src/source/x2crm/types.ts'
import {
  createScratchDatabase,
  FIXTURE_DUMP,
  FIXTURE_SQL,
  type ScratchDatabase,
} from '../test/helpers/mariadb.ts'

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    changed: { type: 'string', default: '0.01' },
    load: { type: 'boolean', default: false },
  },
})
const copies = Number(values.contacts)
const share = Number(values.changed)
const ENTITY = 'Contacts'
/** What the last {@link found} yielded, to move the hashes on as a delta does once it loaded them. */
const applied = { saved: [] as { id: number; hash: string }[], removed: [] as number[] }

const dump = JSON.parse(readFileSync(FIXTURE_DUMP, 'utf8')) as { records: Record<string, X2crmRecord[]> }
const db = await createScratchDatabase('bench_delta', { load: FIXTURE_SQL })
const source = createMysqlSource({ url: db.url, password: '' })
try {
  await growContacts(db, dump.records[ENTITY] ?? [], copies)
  if (values.load) await endToEnd()
  else await readSide()
} finally {
  await source.close()
  await db.drop()
}

async function readSide() {
  const store = createMemoryHashStore()
  const hash = (record: X2crmRecord) => contentHash(record)

  // The migration's hashes.
  let started = performance.now()
  const first: { id: number; hash: string }[] = []
  for await (const change of detectDelta(source, ENTITY, store, { hash }))
    if (change.status !== 'deleted') first.push({ id: change.id, hash: change.hash })
  await store.save(ENTITY, first)
  console.log(`first read (the migration's hashes): ${first.length} contacts in ${since(started)} s`)

  // The cutover window, as X2CRM writes it.
  const now = await source.changes.now()
  const made = await changeInX2crm(
    first.map((h) => h.id),
    now,
  )
  console.log(`changed in X2CRM: ${made.edited} saved through the app, ${made.deleted} deleted, 10 added`)

  // --changes full: every record read and hashed.
  started = performance.now()
  let read = 0
  const full = await found(detectDelta(source, ENTITY, store, { hash, onProgress: (n) => (read = n) }))
  console.log(`--changes full:      ${since(started)} s, ${read} records read whole; found ${describe(full)}`)

  // --changes changelog: ids, marks since the last run (less the 600 s margin), candidates read whole.
  started = performance.now()
  let report: ChangesReport | undefined
  const changelog = await found(
    detectDeltaByChanges(source, source.changes, ENTITY, store, {
      since: now - 600,
      hash,
      onReport: (r) => (report = r),
    }),
  )
  console.log(
    `--changes changelog: ${since(started)} s, ${report?.read} records read whole (${report?.candidates} candidates + ` +
      `the spot check) of ${report?.scanned} ids scanned; found ${describe(changelog)}`,
  )
  if (describe(full) !== describe(changelog)) console.log('  !! the two modes found different changes')
  // The delta loaded them: the ledger's hashes move on.
  await store.save(ENTITY, applied.saved)
  await store.remove(ENTITY, applied.removed)

  // An idle changelog delta: nothing marked since.
  started = performance.now()
  let idle: ChangesReport | undefined
  await found(
    detectDeltaByChanges(source, source.changes, ENTITY, store, {
      since: now + 1,
      hash,
      onReport: (r) => (idle = r),
    }),
  )
  console.log(
    `--changes changelog, nothing marked since: ${since(started)} s, ${idle?.read} records read whole ` +
      `(the spot check) of ${idle?.scanned} ids scanned; found ${describe(idle?.counts)}` +
      (idle?.missed ? ` (!! the spot check found ${idle.missed} unmarked changes)` : ''),
  )
}

/** Edits through the app, deletes and adds, as X2CRM writes them, at the database's `now`. */
async function changeInX2crm(ids: readonly number[], now: number) {
  const step = Math.max(1, Math.round(1 / share))
  const edited = ids.filter((_, i) => i % step === 1)
  for (let i = 0; i < edited.length; i += 1000) {
    const chunk = edited.slice(i, i + 1000)
    await db.admin("UPDATE x2_contacts SET title = CONCAT('Edited ', id), lastUpdated = ? WHERE id IN (?)", [
      now,
      chunk,
    ])
    await db.admin(
      `INSERT INTO x2_changelog (type, itemId, recordName, changedBy, fieldName, newValue, diff, timestamp)
       SELECT 'Contacts', id, name, 'admin', 'title', title, 0, ? FROM x2_contacts WHERE id IN (?)`,
      [now, chunk],
    )
  }
  const deleted = ids.filter((_, i) => i % step === 2).slice(0, 10)
  await db.admin(
    `INSERT INTO x2_changelog (type, itemId, recordName, changedBy, changed, diff, timestamp)
     SELECT 'Contacts', id, name, 'admin', 'delete', 0, ? FROM x2_contacts WHERE id IN (?)`,
    [now, deleted],
  )
  await db.admin('DELETE FROM x2_contacts WHERE id IN (?)', [deleted])
  const top = Math.max(...ids)
  for (let i = 1; i <= 10; i++) {
    await db.admin(
      `INSERT INTO x2_contacts (id, firstName, lastName, name, nameId, visibility, createDate, lastUpdated)
       VALUES (?, 'New', ?, ?, ?, 1, ?, ?)`,
      [top + i, `Person ${i}`, `New Person ${i}`, `New Person ${i}_${top + i}`, now, now],
    )
  }
  return { edited: edited.length, deleted: deleted.length }
}

async function endToEnd() {
  const dataverse = createDataverseSimulator()
  dataverse.seed('systemuser', demoSystemUsers(loadDump(dump).users))
  const settings = dataverse.settings()
  const dataverseFetch = fetchFor(dataverse.handle)
  const target = createDataverseClient({
    url: settings.url,
    fetch: dataverseFetch,
    getToken: createMsalTokenProvider({ ...settings, fetch: dataverseFetch }).getToken,
  })
  const ledger = createSqliteLedger(':memory:')
  // Every record read whole from X2CRM by any step (the comparison, the name index, closing cases …).
  let wholeReads = 0
  const counted: typeof source = {
    ...source,
    async *records(entity, options) {
      for await (const record of source.records(entity, options)) {
        wholeReads++
        yield record
      }
    },
    async record(entity, id) {
      wholeReads++
      return source.record(entity, id)
    },
  }
  const deps = {
    source: counted,
    related: databaseRelated(source),
    target,
    ledger,
    emit: () => undefined,
    now: () => new Date(),
  }
  const options = {
    instance: 'bench',
    mapping: defaultMapping(),
    batchSize: 100,
    defaultOwnerEmail: DEMO_DEFAULT_OWNER,
  }
  const migrated = await migrate(options, deps)
  console.log(`migrate: ${migrated.seconds.toFixed(1)} s`)
  const rows = (await db.admin('SELECT id FROM x2_contacts WHERE id > 0 ORDER BY id')) as { id: number }[]
  const made = await changeInX2crm(
    rows.map((r) => Number(r.id)),
    await source.changes.now(),
  )
  console.log(
    `changed in X2CRM: ${made.edited} contacts saved through the app, ${made.deleted} deleted, 10 added`,
  )
  const line = (label: string, result: DeltaResult, all: number) => {
    const contacts = result.entities.find((e) => e.entity === ENTITY)
    const read = result.entities.reduce((n, e) => n + (e.read?.read ?? 0), 0)
    console.log(
      `${label}: ${result.seconds.toFixed(1)} s (${(result.seconds / migrated.seconds).toFixed(2)} of the migration), ` +
        `mode ${result.reading?.mode}, ${read} records read whole in all classes to compare, ${all} by every step; ` +
        `Contacts found ` +
        `${describe(contacts && { ...contacts.found, new: contacts.found.new - contacts.retried })} (and ` +
        `${contacts?.retried} quarantined before, tried again), balanced ${result.reconciliation.balanced}`,
    )
  }
  const measured = async (label: string, run: () => Promise<DeltaResult>) => {
    wholeReads = 0
    const result = await run()
    line(label, result, wholeReads)
  }
  await measured('delta --changes changelog', () => delta(options, deps))
  await measured('delta --changes full, nothing to do', () => delta({ ...options, changes: 'full' }, deps))
  await measured('delta --changes changelog, nothing to do', () => delta(options, deps))
  await ledger.close()
}

function since(started: number): string {
  return ((performance.now() - started) / 1000).toFixed(2)
}

async function found(changes: AsyncIterable<DeltaChange>): Promise<Record<DeltaStatus, number>> {
  const counts: Record<DeltaStatus, number> = { new: 0, changed: 0, unchanged: 0, deleted: 0 }
  applied.saved = []
  applied.removed = []
  for await (const change of changes) {
    counts[change.status]++
    if (change.status === 'deleted') applied.removed.push(change.id)
    else applied.saved.push({ id: change.id, hash: change.hash })
  }
  return counts
}

function describe(counts: Partial<Record<DeltaStatus, number>> | undefined): string {
  return `${counts?.new ?? 0} new, ${counts?.changed ?? 0} changed, ${counts?.deleted ?? 0} deleted`
}

/** `copies` contacts made from the fixture's, with ids from 1000 (as bench/mysql-vs-api.ts grows them). */
async function growContacts(target: ScratchDatabase, originals: readonly X2crmRecord[], count: number) {
  const columns = Object.keys(originals[0] ?? {})
  let nextId = 1000
  const begun = performance.now()
  for (let done = 0; done < count;) {
    const batch: X2crmRecord[] = []
    for (; batch.length < 2000 && done < count; done++) {
      const original = originals[done % originals.length] as X2crmRecord
      const id = nextId++
      const name = `${String(original.name).slice(0, 200)} ${id}`
      batch.push({ ...original, id, name, nameId: `${name}_${id}`, visibility: 1, assignedTo: 'admin' })
    }
    await target.admin(`INSERT INTO x2_contacts (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ?`, [
      batch.map((r) => columns.map((c) => r[c] ?? null)),
    ])
  }
  console.log(`(inserted ${count} contacts into MariaDB in ${since(begun)} s)`)
}
