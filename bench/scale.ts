/**
 * End to end at scale: `x2d365 migrate` alone in its own process, against both simulators in theirs, on the
 * generator's full mix of objects:
 *
 *   npm run bench:scale -- [--records 100000,1000000] [--seed 1] [--json bench/results/scale.json]
 *                          [--node-flags="--cpu-prof --cpu-prof-dir=prof"] [--cli dist|sources] [--keep]
 *                          [--sim-node-flags="--cpu-prof --cpu-prof-dir=prof-sim"] [--x2crm-node-flags=…]
 *
 * For each size it starts `x2d365 sim x2crm --generate G` (G chosen so that the records the built-in map migrates
 * come to about the size asked: the mix is what `sim x2crm` generates and the built-in map loads, so objects added
 * to either are measured too) and `x2d365 sim dataverse --fast` with its service protection limits out of reach,
 * then times `x2d365 migrate --json` under `/usr/bin/time -v` (peak RSS: its maximum resident set size). The stages
 * come from the run's summary in the ledger (src/run/stage-timer.ts): they overlap, so they add up to more than the
 * wall time. Numbers are noisy on a shared machine: the load average at the start of each run is printed with it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { simX2crmDataset } from '../src/cli/commands/sim.ts'
import { createSqliteLedger } from '../src/ledger/sqlite.ts'
import { defaultMapping } from '../src/mapping/default-map.ts'
import { STAGES, type Stage } from '../src/run/stage-timer.ts'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string', default: 'bench/results/scale.json' },
    'node-flags': { type: 'string', default: '' },
    /** Node flags for the Dataverse simulator's process (e.g. to profile it), as --node-flags are for migrate's. */
    'sim-node-flags': { type: 'string', default: '' },
    /** Node flags for the X2CRM simulator's process. */
    'x2crm-node-flags': { type: 'string', default: '' },
    keep: { type: 'boolean', default: false },
    cli: { type: 'string', default: 'dist' },
    /** Where migrate's stdout goes (its JSON events, and what --node-flags such as --trace-gc print). */
    'migrate-log': { type: 'string' },
  },
})

const sizes = values.records.split(',').map((s) => Number(s.trim()))
if (sizes.some((n) => !(Number.isInteger(n) && n > 0)))
  throw new Error(`--records: expected record counts such as 100000,1000000, got ${values.records}`)
const seed = Number(values.seed)
/**
 * What runs: the compiled CLI, as users run it (`npm run build` first, the default), or the sources through tsx
 * (`--cli sources`: its loader thread and the helpers it adds cost CPU a user does not pay).
 */
const CLI = values.cli === 'sources' ? ['--import', 'tsx', 'src/cli/main.ts'] : ['bin/x2d365.js']
if (values.cli !== 'sources') {
  process.stdout.write('npm run build … ')
  execFileSync('npm', ['run', 'build'], { stdio: 'ignore' })
  console.log('done')
}
/** Out of reach: `--fast` takes the cost model and latency away, these the service protection limits. */
const NO_LIMITS = [
  '--requests-per-window',
  '1000000000',
  '--execution-seconds-per-window',
  '1000000000',
  '--concurrent',
  '100000',
]

/** The classes the built-in map migrates, and how many records `sim x2crm --generate 1000` gives each. */
function mix(): { entities: string[]; perGenerate: number } {
  const entities = [...new Set(defaultMapping().entities.map((e) => e.entity))]
  const probe = 1000
  const data = simX2crmDataset(probe, seed)
  const records = entities.reduce((sum, e) => sum + (data.records[e]?.length ?? 0), 0)
  return { entities, perGenerate: records / probe }
}

interface Started {
  child: ChildProcess
  settings: Record<string, unknown>
}

/** Starts a simulator and waits for the settings it prints with `--json`. */
function startSim(args: string[], nodeFlags: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, [...nodeFlags, ...CLI, 'sim', ...args, '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    lines.once('line', (line) => resolve({ child, settings: JSON.parse(line) as Record<string, unknown> }))
    child.once('exit', (code) => reject(new Error(`sim ${args[0]} exited with ${code} before it was ready`)))
  })
}

/** A process's CPU seconds so far (user + system), from /proc; 0 where there is none. */
function cpuSecondsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ')
    // utime and stime are fields 14 and 15 of stat; 12 and 13 after the pid and the name.
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

interface Measured {
  records: number
  generate: number
  seconds: number
  recordsPerSecond: number
  peakRssMb: number
  /** migrate's own CPU time (user + system): near `seconds`, migrate is the bottleneck; far below, it waits. */
  cpuSeconds: number
  /** The simulators' CPU seconds during the migration: on 2 cores they compete with migrate. */
  simCpu: { x2crm: number; dataverse: number }
  exitCode: number
  stages: Partial<Record<Stage, number>>
  loadAverage: number
  byClass: Record<string, number>
}

async function measure(size: number, perGenerate: number, entities: string[]): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-scale-'))
  const generate = Math.max(1, Math.round(size / perGenerate))
  const x2crm = await startSim(
    ['x2crm', '--generate', String(generate), '--seed', String(seed)],
    values['x2crm-node-flags'].split(' ').filter((f) => f !== ''),
  )
  const dataverse = await startSim(
    ['dataverse', '--fast', '--ca-file', join(dir, 'ca.pem'), ...NO_LIMITS],
    values['sim-node-flags'].split(' ').filter((f) => f !== ''),
  )
  try {
    const x = x2crm.settings
    const d = dataverse.settings
    const byClass = Object.fromEntries(
      entities.map((e) => [e, Number((x['records'] as Record<string, number>)[e] ?? 0)]),
    )
    const records = Object.values(byClass).reduce((a, b) => a + b, 0)
    const ledgerPath = join(dir, 'ledger.sqlite')
    writeFileSync(
      join(dir, 'x2d365.yaml'),
      `source:
  x2crm:
    url: ${String(x['url'])}
    username: ${String(x['username'])}
    apiKeyEnv: X2CRM_API_KEY
target:
  dataverse:
    url: ${String(d['url'])}
    authority: ${String(d['authority'])}
    clientId: ${String(d['clientId'])}
    clientSecretEnv: DATAVERSE_CLIENT_SECRET
    caFile: ${String(d['caFile'])}
run:
  instance: bench
  ledger: ${ledgerPath}
  batchSize: 100
  defaultOwnerEmail: ${String(d['defaultOwnerEmail'])}
`,
    )
    const loadAverage = loadavg()[0] ?? 0
    const simCpuBefore = [cpuSecondsOf(x2crm.child.pid), cpuSecondsOf(dataverse.child.pid)]
    const nodeFlags = values['node-flags'].split(' ').filter((f) => f !== '')
    const started = performance.now()
    const migrate = spawn(
      '/usr/bin/time',
      [
        '-v',
        process.execPath,
        ...nodeFlags,
        ...CLI,
        'migrate',
        '--config',
        join(dir, 'x2d365.yaml'),
        '--json',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          X2CRM_API_KEY: String(x['apiKey']),
          DATAVERSE_CLIENT_SECRET: String(d['clientSecret']),
        },
      },
    )
    // Only the lines that matter are kept: a million records print ten thousand progress events.
    let stderr = ''
    migrate.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)))
    const log = values['migrate-log'] === undefined ? undefined : createWriteStream(values['migrate-log'])
    // Each event gets the milliseconds since migrate started (`atMs`), so phases can be laid on a timeline.
    createInterface({ input: migrate.stdout }).on('line', (line) => {
      const atMs = Math.round(performance.now() - started)
      log?.write(line.startsWith('{') ? `{"atMs":${atMs},${line.slice(1)}\n` : `${line}\n`)
    })
    const exitCode = await new Promise<number>((resolve) =>
      migrate.once('exit', (code) => resolve(code ?? -1)),
    )
    const seconds = (performance.now() - started) / 1000
    const simCpu = {
      x2crm: cpuSecondsOf(x2crm.child.pid) - (simCpuBefore[0] ?? 0),
      dataverse: cpuSecondsOf(dataverse.child.pid) - (simCpuBefore[1] ?? 0),
    }
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)
    const cpuSeconds = ['User', 'System'].reduce(
      (sum, kind) => sum + Number(new RegExp(`${kind} time \\(seconds\\): ([\\d.]+)`).exec(stderr)?.[1] ?? 0),
      0,
    )
    const realExit = /Exit status: (\d+)/.exec(stderr)
    if (rss === null) throw new Error(`no peak RSS from /usr/bin/time -v:\n${stderr}`)
    const ledger = createSqliteLedger(ledgerPath)
    const run = (await ledger.runs()).find((r) => r.kind === 'migrate')
    await ledger.close()
    const stages = (run?.summary?.['stages'] ?? {}) as Partial<Record<Stage, number>>
    const code = realExit === null ? exitCode : Number(realExit[1])
    if (code !== 0 && code !== 3) process.stderr.write(`migrate exited ${code}:\n${stderr.slice(-3000)}\n`)
    return {
      records,
      generate,
      seconds,
      recordsPerSecond: records / seconds,
      peakRssMb: Number(rss[1]) / 1024,
      cpuSeconds,
      simCpu,
      exitCode: code,
      stages,
      loadAverage,
      byClass,
    }
  } finally {
    await Promise.all([stop(x2crm.child), stop(dataverse.child)])
    if (!values.keep) rmSync(dir, { recursive: true, force: true })
    else process.stderr.write(`kept ${dir}\n`)
  }
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padStart(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

const { entities, perGenerate } = mix()
console.log(
  `Mix: ${entities.join(', ')} (${perGenerate} records per --generate unit); ${cpus().length} cores.`,
)
const results: Measured[] = []
for (const size of sizes) {
  process.stdout.write(`  ~${size} records … `)
  const m = await measure(size, perGenerate, entities)
  results.push(m)
  console.log(
    `${m.seconds.toFixed(1)} s, ${m.recordsPerSecond.toFixed(0)} records/s, ${m.peakRssMb.toFixed(0)} MB (exit ${m.exitCode}, load ${m.loadAverage.toFixed(2)})`,
  )
}
console.log(
  '\n' +
    table(
      [
        'records',
        'seconds',
        'records/s',
        'peak RSS MB',
        'CPU s',
        'CPU µs/record',
        'sims CPU s',
        'load avg',
        ...STAGES.map((s) => `${s} s`),
      ],
      results.map((m) => [
        String(m.records),
        m.seconds.toFixed(1),
        m.recordsPerSecond.toFixed(0),
        m.peakRssMb.toFixed(0),
        m.cpuSeconds.toFixed(1),
        ((m.cpuSeconds / m.records) * 1e6).toFixed(0),
        `${m.simCpu.x2crm.toFixed(1)} + ${m.simCpu.dataverse.toFixed(1)}`,
        m.loadAverage.toFixed(2),
        ...STAGES.map((s) => (m.stages[s] ?? 0).toFixed(1)),
      ]),
    ),
)
const first = results[0]
const last = results.at(-1)
if (first !== undefined && last !== undefined && last !== first)
  console.log(
    `\nRSS(${last.records}) ÷ RSS(${first.records}) = ${(last.peakRssMb / first.peakRssMb).toFixed(2)}`,
  )
console.log(
  'Stages overlap (reading, preparing and sending run concurrently; calls in flight together each count).',
)
if (values.json !== '') {
  mkdirSync(dirname(values.json), { recursive: true })
  writeFileSync(
    values.json,
    JSON.stringify({ at: new Date().toISOString(), seed, entities, perGenerate, results }, null, 2) + '\n',
  )
  console.log(`Numbers written to ${values.json}`)
}
