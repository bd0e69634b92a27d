/**
 * Reading X2CRM records: the MySQL reader against API v2 (the client against the simulator over HTTP), on the same
 * data, in real time:
 *
 *   npx tsx bench/mysql-vs-api.ts [--contacts 50000] [--skip-large] [--runs 3] [--profile prof]
 *     [--node-flags="--cpu-prof --cpu-prof-dir=prof"] [--rtt-ms 10]
 *
 * Datasets: the fixture (every class of the API export, loaded from x2crm-7.1.sql) and a larger one (the fixture
 * plus `--contacts` copies of its contacts, inserted into MariaDB and given to the simulator alike). Each reading
 * runs in its own child process, so its peak RSS is the reader's alone; MariaDB and the simulator run elsewhere
 * (the simulator in this process, on 127.0.0.1). Needs the MariaDB of the tests (root, empty password, 127.0.0.1).
 * `--rtt-ms` puts both readers behind a proxy that delays each way by half of it (delay-proxy.ts): the database and
 * the X2CRM server across a network.
 *
 * Two references, measured in the same run: `driver` is mysql2 alone reading the same columns of the same tables,
 * one page of 1000 at a time, building no records (the speed of the driver and server the database reader is built
 * on); `server CPU` is what MariaDB itself spent during each reading (from /proc, when it runs on this machine), so
 * that the share of the machine's two cores each path takes is seen.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import mysql from 'mysql2/promise'
import { serve } from '../sim/serve.ts'
import { startDelayProxy } from './delay-proxy.ts'
import { createX2crmSimulator, FIXTURE_ADMIN_KEY, loadDump } from '../sim/x2crm/index.ts'
import { createX2crmClient } from '../src/source/x2crm/client.ts'
import { tableForClass } from '../src/source/x2crm/mysql/classes.ts'
import { createMysqlSource } from '../src/source/x2crm/mysql/source.ts'
import type { X2crmRecord, X2crmSource } from '../src/source/x2crm/types.ts'
import {
  createScratchDatabase,
  FIXTURE_DUMP,
  FIXTURE_SQL,
  MARIADB,
  type ScratchDatabase,
} from '../test/helpers/mariadb.ts'

interface Measured {
  rows: number
  seconds: number
  /** User + system CPU of the reading process while it read: less sensitive than seconds to a loaded machine. */
  cpuSeconds: number
  peakRssMb: number
  /** CPU seconds MariaDB spent while this reading ran; undefined when its process is not on this machine. */
  serverCpuSeconds?: number
}

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    url: { type: 'string' },
    classes: { type: 'string' },
    contacts: { type: 'string', default: '50000' },
    'skip-large': { type: 'boolean', default: false },
    /** Readings of each dataset (db then api, alternating which goes first), on the same data. */
    runs: { type: 'string', default: '1' },
    /**
     * A CPU profile of each reading child, of the reading alone (not the start-up): `{dir}/{db|api}-{pid}.cpuprofile`,
     * for `npx tsx bench/cpu-profile.ts`.
     */
    profile: { type: 'string' },
    /** Node flags for the reading children, e.g. `--node-flags="--cpu-prof --cpu-prof-dir=prof"`. */
    'node-flags': { type: 'string', default: '' },
    /** A round trip added to both readers' connections (a proxy in a process of its own), in milliseconds. */
    'rtt-ms': { type: 'string', default: '0' },
  },
})

if (values.child) await child(values.child, values.url ?? '', (values.classes ?? '').split(','))
else await main()

/** One reading, in a process of its own: every record of `classes`, in pages of 1000. */
async function child(path: string, url: string, classes: string[]) {
  const source: X2crmSource & { close?: () => Promise<void> } =
    path === 'db'
      ? createMysqlSource({ url, password: '' })
      : path === 'driver'
        ? driverOnly(url)
        : createX2crmClient({ url, username: 'admin', apiKey: FIXTURE_ADMIN_KEY, fetch: globalThis.fetch })
  const profiler = values.profile ? await startProfiler() : undefined
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  let rows = 0
  let checksum = 0
  for (const entity of classes) {
    for await (const record of source.records(entity, { pageSize: 1000 })) {
      rows++
      checksum += Number(record.id)
    }
  }
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  if (profiler && values.profile)
    await profiler.stopInto(join(values.profile, `${path}-${process.pid}.cpuprofile`))
  await source.close?.()
  const measured: Measured & { checksum: number } = {
    rows,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    checksum,
  }
  process.stdout.write(`${JSON.stringify(measured)}\n`)
}

/**
 * mysql2 alone, as a reference for the database reader: the columns of a class's table that x2_fields names, in
 * keyset pages of 1000 rows, one query at a time, each row yielded as mysql2 gives it (an array; no record built).
 * Only what the bench's child uses (`records`, `close`) works.
 */
function driverOnly(url: string): X2crmSource & { close(): Promise<void> } {
  const { pathname, hostname, port } = new URL(url)
  const pool = mysql.createPool({
    host: hostname,
    port: Number(port || 3306),
    user: 'root',
    database: pathname.slice(1),
    connectionLimit: 1,
    supportBigNumbers: true,
    dateStrings: true,
  })
  const unsupported = () => Promise.reject(new Error('driverOnly reads records only'))
  async function* records(entity: string): AsyncGenerator<X2crmRecord> {
    const table = tableForClass(entity)
    const [columns] = await pool.query<mysql.RowDataPacket[]>(
      `SELECT c.COLUMN_NAME AS name FROM information_schema.COLUMNS c
        WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = ?
          AND (c.COLUMN_NAME = 'id' OR c.COLUMN_NAME IN (SELECT fieldName FROM x2_fields WHERE modelName = ?))
        ORDER BY c.ORDINAL_POSITION`,
      [table, entity],
    )
    const select = columns.map((c) => `\`${String(c.name)}\``).join(', ')
    const idAt = columns.findIndex((c) => c.name === 'id')
    for (let after = Number.MIN_SAFE_INTEGER; ;) {
      const [rows] = await pool.execute<mysql.RowDataPacket[]>(
        { sql: `SELECT ${select} FROM ${table} WHERE id > ? ORDER BY id LIMIT 1000`, rowsAsArray: true },
        [after],
      )
      for (const row of rows) yield { id: row[idAt] }
      if (rows.length < 1000) return
      after = Number(rows.at(-1)?.[idAt])
    }
  }
  return {
    records,
    record: unsupported,
    count: unsupported,
    fields: unsupported,
    users: unsupported,
    dropdowns: unsupported,
    close: () => pool.end(),
  } as unknown as X2crmSource & { close(): Promise<void> }
}

/** CPU seconds (user + system) of the local MariaDB server so far, or undefined if it is not on this machine. */
function serverCpuSeconds(): number | undefined {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    } catch {
      continue
    }
    const name = /\((.*)\)/.exec(stat)?.[1]
    if (name !== 'mariadbd' && name !== 'mysqld') continue
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  }
  return undefined
}

/** The V8 profiler of this process, through the inspector, from now until `stopInto`. */
async function startProfiler() {
  const session = new Session()
  session.connect()
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    )
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: 200 })
  await post('Profiler.start')
  return {
    async stopInto(file: string) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown }
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, JSON.stringify(profile))
      session.disconnect()
    },
  }
}

async function runChild(path: 'db' | 'api' | 'driver', url: string, classes: string[]): Promise<Measured> {
  const serverBefore = serverCpuSeconds()
  const measured = await runChildProcess(path, url, classes)
  const serverAfter = serverCpuSeconds()
  if (serverBefore !== undefined && serverAfter !== undefined)
    measured.serverCpuSeconds = serverAfter - serverBefore
  return measured
}

function runChildProcess(path: 'db' | 'api' | 'driver', url: string, classes: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        ...values['node-flags'].split(' ').filter((flag) => flag !== ''),
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--child',
        path,
        '--url',
        url,
        '--classes',
        classes.join(','),
        ...(values.profile ? ['--profile', values.profile] : []),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    proc.on('error', reject)
    proc.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${path} reader exited with ${code}`))
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Measured)
    })
  })
}

async function compare(label: string, db: ScratchDatabase, dump: unknown, classes: string[]) {
  const sim = createX2crmSimulator({ data: loadDump(dump) })
  const served = await serve(sim.handle)
  const rttMs = Number(values['rtt-ms'])
  const proxies =
    rttMs > 0
      ? await Promise.all([
          startDelayProxy({ host: MARIADB.host, port: MARIADB.port }, rttMs),
          startDelayProxy({ host: '127.0.0.1', port: Number(new URL(served.origin).port) }, rttMs),
        ])
      : []
  const [dbProxy, apiProxy] = proxies
  const dbUrl = dbProxy ? db.url.replace(`:${MARIADB.port}/`, `:${dbProxy.port}/`) : db.url
  const apiUrl = `${apiProxy ? `http://127.0.0.1:${apiProxy.port}` : served.origin}/index.php/api2`
  if (rttMs > 0) console.log(`  (both readers through a proxy adding ${rttMs} ms a round trip)`)
  try {
    const row = (name: string, m: Measured) =>
      `  ${name.padEnd(6)} ${String(m.rows).padStart(8)} rows  ${m.seconds.toFixed(2).padStart(7)} s  ` +
      `${Math.round(m.rows / m.seconds)
        .toString()
        .padStart(8)} rows/s  CPU ${m.cpuSeconds.toFixed(2).padStart(6)} s  ` +
      `${Math.round(m.rows / m.cpuSeconds)
        .toString()
        .padStart(8)} rows/CPU-s  peak RSS ${m.peakRssMb.toFixed(0).padStart(4)} MB` +
      (m.serverCpuSeconds === undefined ? '' : `  server CPU ${m.serverCpuSeconds.toFixed(2).padStart(5)} s`)
    console.log(`${label}`)
    for (let run = 1; run <= Math.max(1, Number(values.runs)); run++) {
      // Alternating which reader goes first, so that neither always meets the machine in the same state.
      const dbFirst = run % 2 === 1
      const first = await runChild(dbFirst ? 'db' : 'api', dbFirst ? dbUrl : apiUrl, classes)
      const second = await runChild(dbFirst ? 'api' : 'db', dbFirst ? apiUrl : dbUrl, classes)
      const [viaDb, viaApi] = dbFirst ? [first, second] : [second, first]
      const driver = await runChild('driver', dbUrl, classes)
      console.log(`  run ${run} (load average ${loadavg()[0]?.toFixed(1)})`)
      console.log(row('mysql', viaDb))
      console.log(row('api', viaApi))
      console.log(row('driver', driver))
      const speed = (m: Measured) => m.rows / m.seconds
      console.log(
        `  mysql/api speed: ${(speed(viaDb) / speed(viaApi)).toFixed(1)}×, ` +
          `per CPU second: ${(viaDb.rows / viaDb.cpuSeconds / (viaApi.rows / viaApi.cpuSeconds)).toFixed(1)}×; ` +
          `mysql/driver speed: ${(speed(viaDb) / speed(driver)).toFixed(2)}×`,
      )
    }
  } finally {
    await Promise.all(proxies.map((proxy) => proxy.close()))
    await served.close()
  }
}

async function main() {
  const dump = JSON.parse(readFileSync(FIXTURE_DUMP, 'utf8')) as { records: Record<string, X2crmRecord[]> }
  const classes = Object.keys(dump.records)

  const fixtureDb = await createScratchDatabase('bench_fixture', { load: FIXTURE_SQL })
  try {
    await compare(
      `fixture (${classes.join(', ')}): the API path lists; the database path also reads hidden rows`,
      fixtureDb,
      dump,
      classes,
    )
  } finally {
    await fixtureDb.drop()
  }
  if (values['skip-large']) return

  const copies = Number(values.contacts)
  const largeDb = await createScratchDatabase('bench_large', { load: FIXTURE_SQL })
  try {
    const contacts = await growContacts(largeDb, dump.records.Contacts ?? [], copies)
    await compare(
      `fixture + ${copies} generated contacts (Contacts only, ${contacts.length} rows)`,
      largeDb,
      { ...dump, records: { ...dump.records, Contacts: contacts }, hiddenFromLists: {} },
      ['Contacts'],
    )
  } finally {
    await largeDb.drop()
  }
}

/** Copies of the fixture's contacts with new ids (and public, so the API lists them), in MariaDB and in memory. */
async function growContacts(db: ScratchDatabase, originals: readonly X2crmRecord[], copies: number) {
  const all: X2crmRecord[] = originals.map((c) => ({ ...c }))
  const columns = Object.keys(originals[0] ?? {})
  let nextId = 1000
  const started = performance.now()
  for (let done = 0; done < copies;) {
    const batch: X2crmRecord[] = []
    for (; batch.length < 2000 && done < copies; done++) {
      const original = originals[done % originals.length] as X2crmRecord
      const id = nextId++
      const name = `${String(original.name).slice(0, 200)} ${id}`
      batch.push({ ...original, id, name, nameId: `${name}_${id}`, visibility: 1, assignedTo: 'admin' })
    }
    await db.admin(`INSERT INTO x2_contacts (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ?`, [
      batch.map((r) => columns.map((c) => r[c] ?? null)),
    ])
    all.push(...batch)
  }
  console.log(
    `(inserted ${copies} contacts into MariaDB in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  )
  return all
}
