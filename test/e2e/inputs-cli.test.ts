import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSqliteLedger } from '../../src/ledger/sqlite.ts'
import { serveBothSimulators } from '../helpers/sims.ts'
import { runCli } from '../helpers/run-cli.ts'

const x2d365 = runCli

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const env = { X2CRM_API_KEY: 'k', DATAVERSE_CLIENT_SECRET: 's' }

/** A config whose servers are at `x2crm` and `dataverse`, and whose ledger is `ledger`. */
function writeConfig(dir: string, file: string, urls: { x2crm: string; dataverse: string; ledger: string }) {
  writeFileSync(
    join(dir, file),
    `source:
  x2crm: { url: '${urls.x2crm}', username: admin, apiKeyEnv: X2CRM_API_KEY }
target:
  dataverse:
    url: ${urls.dataverse}
    authority: ${urls.dataverse}/tenant-1
    clientId: 11111111-2222-3333-4444-555555555555
    clientSecretEnv: DATAVERSE_CLIENT_SECRET
run: { ledger: '${urls.ledger}', instance: e2e, defaultOwnerEmail: owner@example.com }
`,
  )
  return join(dir, file)
}

describe('inputs that are not what they should be: exit 2 before any work', () => {
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-inputs-'))
  let port: number
  beforeAll(async () => {
    // Nothing listens there: a command that got past its checks would fail on the network (exit 1), not exit 2.
    port = await closedPort()
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const config = (name: string, ledger: string) =>
    writeConfig(dir, `${name}.yaml`, {
      x2crm: `http://127.0.0.1:${port}`,
      dataverse: `https://127.0.0.1:${port}`,
      ledger,
    })

  it('refuses a ledger of random bytes (delta), a truncated one (migrate) and a newer one (report); the file keeps its bytes', async () => {
    const real = join(dir, 'real.sqlite')
    const ledger = createSqliteLedger(real)
    const run = await ledger.startRun('migrate', { instance: 'e2e' }, new Date())
    await ledger.recordBatch(
      run.runId,
      'Accounts',
      Array.from({ length: 300 }, (_, i) => ({
        runId: run.runId,
        phase: 'Accounts',
        sourceKey: `Accounts:${i + 1}`,
        status: 'created' as const,
        targetId: `00000000-0000-0000-0000-${String(i + 1).padStart(12, '0')}`,
      })),
      { lastSourceId: 300 },
    )
    await ledger.close()
    const whole = readFileSync(real)
    const newer = Buffer.from(whole)
    newer.writeUInt32BE(999, 60) // user_version lives at offset 60 of the header
    // One command each (every spawn costs seconds): delta once started a run inside a damaged ledger.
    const damaged = [
      ['random.sqlite', randomBytes(4096), ['delta'], /is not a SQLite database/],
      [
        'truncated.sqlite',
        whole.subarray(0, Math.floor(whole.length / 2)),
        ['migrate'],
        /is damaged \(SQLite: /,
      ],
      ['newer.sqlite', newer, ['report', '--offline'], /written by a newer x2d365 \(ledger schema 999/],
    ] as const
    for (const [name, bytes, args, said] of damaged) {
      writeFileSync(join(dir, name), bytes)
      const result = await x2d365([...args, '--config', config(name, name)], { cwd: dir, env })
      expect(result.code, `${args[0]} on ${name}: ${result.stderr}`).toBe(2)
      expect(result.stderr).toMatch(said)
      expect(result.stderr).not.toMatch(/Internal error|at .*\.ts:\d+/)
      expect(readFileSync(join(dir, name)).equals(bytes)).toBe(true)
    }
  })

  it('refuses a ledger path that is a folder, under a file, or under /proc, and an --out that is a file', async () => {
    mkdirSync(join(dir, 'a-folder'))
    writeFileSync(join(dir, 'a-file'), 'x')
    const cases: [string, string, RegExp][] = [
      ['a-folder', 'migrate', /ledger: .*a-folder is a folder; name a file inside it/],
      ['a-file/ledger.sqlite', 'delta', /cannot be created: .*a-file is a file, not a folder/],
      ['/proc/x2d365/ledger.sqlite', 'migrate', /kernel file system/],
    ]
    for (const [ledger, command, said] of cases) {
      const started = Date.now()
      const result = await x2d365([command, '--config', config('paths', ledger)], { cwd: dir, env })
      expect(result.code, result.stderr).toBe(2)
      expect(result.stderr).toMatch(said)
      expect(result.stderr).not.toMatch(/Internal error|at .*\.ts:\d+|ECONNREFUSED/)
      expect(Date.now() - started).toBeLessThan(30_000)
    }
    expect(readdirSync(join(dir, 'a-folder'))).toEqual([])

    const real = join(dir, 'for-report.sqlite')
    const ledger = createSqliteLedger(real)
    await ledger.startRun('migrate', {}, new Date())
    await ledger.close()
    const report = await x2d365(['report', '--ledger', real, '--offline', '--out', 'a-file'], { cwd: dir })
    expect(report.code).toBe(2)
    expect(report.stderr).toMatch(/--out: .*a-file is a file, not a folder/)
  })

  it('writes a report from a ledger without writing to the ledger', async () => {
    const path = join(dir, 'read-only.sqlite')
    const ledger = createSqliteLedger(path)
    const run = await ledger.startRun('migrate', {}, new Date())
    await ledger.finishRun(run.runId, 'succeeded', new Date(), {})
    await ledger.close()
    const bytes = readFileSync(path)

    const report = await x2d365(['report', '--ledger', path, '--offline', '--out', 'ro-report'], { cwd: dir })

    expect(report.code, report.stderr).toBe(0)
    expect(existsSync(join(dir, 'ro-report', 'report.html'))).toBe(true)
    expect(readFileSync(path).equals(bytes)).toBe(true)
    // A read-only connection to a WAL database may leave an empty -wal (and -shm) beside it: nothing of the ledger.
    if (existsSync(`${path}-wal`)) expect(readFileSync(`${path}-wal`)).toHaveLength(0)
  })
})

describe('errors that name the real cause', () => {
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-causes-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('connection refused: names 127.0.0.1:port and asks whether the server is reachable, not for credentials', async () => {
    const port = await closedPort()
    const path = writeConfig(dir, 'refused.yaml', {
      x2crm: `http://127.0.0.1:${port}`,
      dataverse: `https://127.0.0.1:${port}`,
      ledger: 'refused.sqlite',
    })
    const result = await x2d365(['users', '--config', path], { cwd: dir, env })
    expect(result.code, result.stderr).toBe(1)
    expect(result.stderr).toContain(`127.0.0.1:${port} was refused (ECONNREFUSED)`)
    expect(result.stderr).toMatch(/reachable/)
    expect(result.stderr).not.toMatch(/Check the tenant|endpoints_resolution_error|run the same command/)
  })

  it('DNS: names the host that does not resolve (.invalid never does, and fails at once offline)', async () => {
    const path = writeConfig(dir, 'dns.yaml', {
      x2crm: 'http://nonexistent.invalid',
      dataverse: 'https://nonexistent.invalid',
      ledger: 'dns.sqlite',
    })
    const result = await x2d365(['discover', '--config', path], { cwd: dir, env })
    expect(result.code, result.stderr).toBe(1)
    expect(result.stderr).toContain('the host name nonexistent.invalid could not be resolved')
    expect(result.stderr).not.toMatch(/Check the tenant|run the same command/)
  })
})

describe('against the simulators', () => {
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-secrets-'))
  const X2CRM_KEY = 'SECRET-X2-abc123'
  const WRONG_KEY = 'SECRET-X2-wrong999'
  const DATAVERSE_SECRET = 'SECRET-DV-xyz789'
  let sims: Awaited<ReturnType<typeof serveBothSimulators>>
  beforeAll(async () => {
    sims = await serveBothSimulators(dir, {
      accounts: 40,
      contacts: 60,
      x2crmApiKey: X2CRM_KEY,
      dataverse: {
        appUsers: [{ clientId: '7b0c1a57-51e4-4c3b-9d0e-6b1f0e1a2c3d', clientSecret: DATAVERSE_SECRET }],
      },
    })
  })
  afterAll(async () => {
    await sims.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('TLS: a certificate the client does not trust is named, with target.dataverse.caFile', async () => {
    const untrusting = join(dir, 'untrusting.yaml')
    writeFileSync(untrusting, readFileSync(sims.configPath, 'utf8').replace(/^\s*caFile:.*$/m, ''))
    const result = await x2d365(['users', '--config', untrusting], { cwd: dir, env: sims.env })
    expect(result.code, result.stderr).toBe(1)
    expect(result.stderr).toMatch(/the TLS certificate of 127\.0\.0\.1 is not trusted: it is self-signed/)
    expect(result.stderr).toContain('target.dataverse.caFile')
    expect(result.stderr).not.toMatch(/Check the tenant|endpoints_resolution_error/)
  })

  it('secrets appear nowhere: output, errors (an X2CRM 401 that echoes them), the ledger, reports, CSVs', async () => {
    const secrets = [X2CRM_KEY, WRONG_KEY, DATAVERSE_SECRET]
    const forms = secrets.flatMap((secret) => [
      secret,
      Buffer.from(`admin:${secret}`).toString('base64'),
      encodeURIComponent(secret),
    ])
    // The simulator echoes the Authorization header in a 401's body, as X2CRM does: the leak this test guards.
    const echoed = await fetch(`${originOf(sims.configPath)}/index.php/api2/Accounts`, {
      headers: { Authorization: `Basic ${Buffer.from(`admin:${WRONG_KEY}`).toString('base64')}` },
    })
    expect(echoed.status).toBe(401)
    expect(await echoed.text()).toContain(Buffer.from(`admin:${WRONG_KEY}`).toString('base64'))

    const outputs: string[] = []
    const run = async (args: string[], extra: Record<string, string> = {}) => {
      const result = await x2d365([...args, '--config', sims.configPath], {
        cwd: dir,
        env: { ...sims.env, ...extra },
      })
      outputs.push(result.stdout, result.stderr)
      return result
    }
    const refused = await run(['migrate'], { TEST_X2CRM_KEY: WRONG_KEY })
    expect(refused.code, refused.stderr).toBe(1)
    expect(refused.stderr).toContain('X2CRM rejected the credentials')
    const migrated = await run(['migrate', '--json'])
    expect([0, 3], migrated.stderr).toContain(migrated.code)
    const report = await run(['report', '--out', 'report'])
    expect(report.code, report.stderr).toBe(0)

    const files = [
      join(dir, 'ledger.sqlite'),
      ...(existsSync(join(dir, 'ledger.sqlite-wal')) ? [join(dir, 'ledger.sqlite-wal')] : []),
      ...readdirSync(join(dir, 'report')).map((name) => join(dir, 'report', name)),
    ]
    expect(files.some((file) => file.endsWith('quarantine.csv'))).toBe(true)
    const texts = [...outputs, ...files.map((file) => readFileSync(file).toString('latin1'))]
    for (const form of forms) {
      for (const text of texts) expect(text.includes(form), `"${form}" leaked`).toBe(false)
    }
  })
})

function originOf(configPath: string): string {
  const match = /x2crm: \{ url: '([^']+)'/.exec(readFileSync(configPath, 'utf8'))
  return match?.[1] ?? ''
}
