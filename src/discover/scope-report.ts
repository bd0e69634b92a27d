/**
 * The scope report `x2d365 discover` writes (scope.md, scope.json): what there is to migrate, how hard it is (a grade
 * A–E from four factors, each scored and explained) and how long the load takes (from a measured run, else from
 * Dataverse's service protection limits). Pure: the discovery and the facts measured beside it in, a report out.
 */
import { DEFAULT_OBJECTS } from '../mapping/default-objects.ts'
import { proposeMapping, type Samples } from '../mapping/propose-mapping.ts'
import { countInventory, type Inventory } from '../report/inventory.ts'
import type { RunInfo } from '../ledger/ledger.ts'
import { MIGRATE_RUN } from '../run/migrate.ts'
import type { X2crmField } from '../source/x2crm/types.ts'
import type { Discovery } from './discover.ts'

export type Grade = 'A' | 'B' | 'C' | 'D' | 'E'
const GRADES: readonly Grade[] = ['A', 'B', 'C', 'D', 'E']

/**
 * Dataverse service protection limits per user (application users included), per web server, over a sliding
 * 300-second window (docs/dataverse/webapi.md §5.1 [D]).
 */
export const SERVICE_PROTECTION = {
  windowSeconds: 300,
  requests: 6000,
  executionSeconds: 1200,
  concurrentRequests: 52,
} as const

/**
 * Server execution time per row of UpsertMultiple, the message x2d365 loads with: Microsoft's sample upserted 100
 * rows in 2 s (webapi.md §4.3 [S]). The simulator's cost model uses the same figure.
 */
export const UPSERT_SECONDS_PER_RECORD = 0.02

/** organization.maxuploadfilesize default, measured on the Base64 text (webapi.md §5.2 [D]). */
export const DEFAULT_MAX_UPLOAD_BYTES = 5_242_880

export interface AttachmentVolume {
  /** Media records that are attachments (X2CRM's own themes, sounds and backgrounds left out). */
  files: number
  bytes: number
  /** Files whose Base64 text exceeds the target's upload limit: rejected unless the limit is raised. */
  overLimit: { mediaId: number; fileName: string; bytes: number }[]
  /** Files kept in Google Drive: links, not bytes. */
  drive: number
  /** Files not found in the uploads folder (sized from the media record instead). */
  missing: number
  /** `uploads folder` when sizes were read from the files, else `media records` (x2_media.filesize). */
  from: 'uploads folder' | 'media records'
}

export interface MeasuredThroughput {
  runId: string
  processed: number
  seconds: number
  finishedAt?: string
}

/** What `discover` measures beside the discovery; each part is optional and says why when it is missing. */
export interface ScopeFacts {
  /** Where records were counted: the API hides some private records, the database does not. */
  source: 'api' | 'database'
  /** Records whose lastUpdated falls in the last `days` days, per class: the size of a delta. */
  recentChanges?: { days: number; counts: Readonly<Record<string, number>> } | { unreadable: string }
  attachments?: AttachmentVolume | { unreadable: string }
  /** Classes of custom modules (built with X2CRM's module creator). */
  customModules?: readonly string[]
  /** X2Flow automations, from the database. */
  automation?: { flows: number; activeFlows: number } | { unreadable: string }
  inventory?: Inventory
  throughput?: MeasuredThroughput
  /** A few records of each class that has some: lets the mapping-clarity factor judge fields by their data. */
  samples?: Samples
  target: { appUsers: number; batchSize: number; maxUploadBytes?: number }
}

export interface ModuleScope {
  entity: string
  table: string | null
  records: number
  fields: number
  customFields: string[]
  /** Why the count may be short, when it may. */
  caveat?: string
}

export interface Factor {
  name: 'transforms' | 'mapping clarity' | 'API constraints' | 'volume'
  /** 1 (A) to 5 (E) */
  score: number
  grade: Grade
  explanation: string
  details: string[]
}

export interface CutoverEstimate {
  throughput: { recordsPerSecond: number; basis: 'measured' | 'limits'; explanation: string }
  full: { records: number; seconds: number }
  delta: { records: number; seconds: number; basis: string } | { unknown: string }
}

export interface ScopeReport {
  discoveredAt: string
  source: 'api' | 'database'
  modules: ModuleScope[]
  unreadableModules: { entity: string; reason: string }[]
  customModules: string[]
  users: { total: number; active: number; inactive: number }
  attachments: (AttachmentVolume & { limitBytes: number }) | { unreadable: string }
  automation: { flows: number; activeFlows: number } | { unreadable: string }
  /** Counts from the inventory; a kind the source could not read says why. */
  rebuild: { kind: string; count: number | null; note?: string }[]
  complexity: { grade: Grade; factors: Factor[]; explanation: string }
  cutover: CutoverEstimate
}

const HIDDEN_CAVEAT =
  'API v2 lists and counts omit private records assigned to "Anyone", even for an admin; migrate fetches them by id, and with source.mysql the counts are exact'

export function buildScopeReport(discovery: Discovery, facts: ScopeFacts): ScopeReport {
  // Quotes are discovered too (`map propose` proposes them from the built-in sales map).
  const tableOf = new Map([
    ...DEFAULT_OBJECTS.map((o) => [o.entity, o.table] as const),
    ['Quote', 'quote'] as const,
  ])
  const modules: ModuleScope[] = Object.entries(discovery.source.entities).map(([entity, fields]) => {
    const records = discovery.counts[entity] ?? 0
    const hidden = facts.source === 'api' && fields.some((f) => f.fieldName === 'visibility')
    return {
      entity,
      table: tableOf.get(entity) ?? null,
      records,
      fields: fields.length,
      customFields: fields.filter((f) => f.custom).map((f) => f.fieldName),
      ...(hidden && { caveat: HIDDEN_CAVEAT }),
    }
  })
  const inactive = discovery.users.filter((u) => u.status !== 1).length
  const limitBytes = facts.target.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES
  const attachments = facts.attachments ?? { unreadable: 'not measured' }
  const automation = facts.automation ?? {
    unreadable:
      'X2Flow definitions are only in x2_flows: API v2 has no route to them (X2CRM 7.1, protected/controllers/Api2Controller.php); configure source.mysql',
  }
  const factors = [
    transformsFactor(discovery),
    clarityFactor(discovery, facts.samples),
    constraintsFactor(discovery, facts, modules, attachments),
    volumeFactor(modules, attachments),
  ]
  return {
    discoveredAt: discovery.discoveredAt,
    source: facts.source,
    modules,
    unreadableModules: Object.entries(discovery.unreadable).map(([entity, reason]) => ({ entity, reason })),
    customModules: [...(facts.customModules ?? [])],
    users: { total: discovery.users.length, active: discovery.users.length - inactive, inactive },
    attachments: 'unreadable' in attachments ? attachments : { ...attachments, limitBytes },
    automation,
    rebuild: rebuildCounts(facts.inventory),
    complexity: overallGrade(factors),
    cutover: estimateCutover(modules, attachments, facts),
  }
}

function rebuildCounts(inventory: Inventory | undefined): ScopeReport['rebuild'] {
  if (inventory === undefined) {
    return [{ kind: 'reports, charts, dashboards, processes', count: null, note: 'not read' }]
  }
  const counts = countInventory(inventory)
  return (Object.keys(counts) as (keyof typeof counts)[]).map((kind) => {
    const unreadable = inventory.unreadable.find((u) => u.kind === kind)
    return unreadable === undefined
      ? { kind, count: counts[kind] }
      : { kind, count: null, note: `not readable through the API: ${unreadable.reason}` }
  })
}

/** The mean of the factors' scores, but never more than one grade better than the hardest factor. */
export function overallGrade(factors: readonly Factor[]): ScopeReport['complexity'] {
  const mean = factors.reduce((sum, f) => sum + f.score, 0) / Math.max(1, factors.length)
  const worst = Math.max(1, ...factors.map((f) => f.score))
  const score = Math.min(5, Math.max(Math.round(mean), worst - 1))
  const hardest = factors.filter((f) => f.score === worst).map((f) => f.name)
  return {
    grade: gradeOf(score),
    factors: [...factors],
    explanation:
      `the mean of the ${factors.length} factors (${mean.toFixed(2)}), but never more than one grade better than the ` +
      `hardest (${hardest.join(', ')}: ${gradeOf(worst)})`,
  }
}

/** Weights of one field per kind of transform: what it costs to map, create and check. */
const TRANSFORM_WEIGHTS = {
  'dropdown → choice': 1,
  'custom dropdown → new choice': 2,
  'multi-select → multi-select choice': 3,
  'link → lookup': 1,
  'currency → money': 2,
  'date → date/time': 0.5,
} as const
type TransformKind = keyof typeof TRANSFORM_WEIGHTS
/** Upper bounds of the weighted points for A, B, C, D; more is E. */
const TRANSFORM_BOUNDS = [25, 75, 150, 300] as const

/** Objects needing transforms: the fields of classes that hold records, by kind of transform, weighted. */
export function transformsFactor(discovery: Pick<Discovery, 'source' | 'counts'>): Factor {
  const multi = new Set(discovery.source.dropdowns.filter((d) => d.multi).map((d) => String(d.id)))
  const byKind = new Map<TransformKind, number>()
  const byEntity: string[] = []
  for (const [entity, fields] of Object.entries(discovery.source.entities)) {
    if ((discovery.counts[entity] ?? 0) === 0) continue
    const kinds = fields.map((f) => transformOf(f, multi)).filter((k) => k !== undefined)
    for (const kind of kinds) byKind.set(kind, (byKind.get(kind) ?? 0) + 1)
    if (kinds.length > 0) byEntity.push(`${entity}: ${kinds.length} field(s)`)
  }
  const points = [...byKind].reduce((sum, [kind, n]) => sum + n * TRANSFORM_WEIGHTS[kind], 0)
  const score = scoreBelow(points, TRANSFORM_BOUNDS)
  return {
    name: 'transforms',
    score,
    grade: gradeOf(score),
    explanation:
      `${[...byKind.values()].reduce((a, b) => a + b, 0)} field(s) of ${byEntity.length} object(s) with records need a ` +
      `transform, weighing ${round1(points)} points (A < ${TRANSFORM_BOUNDS[0]}, B < ${TRANSFORM_BOUNDS[1]}, ` +
      `C < ${TRANSFORM_BOUNDS[2]}, D < ${TRANSFORM_BOUNDS[3]}, else E)`,
    details: [
      ...[...byKind].map(([kind, n]) => `${kind}: ${n} field(s) × ${TRANSFORM_WEIGHTS[kind]}`),
      ...byEntity,
    ],
  }
}

function transformOf(field: X2crmField, multi: ReadonlySet<string>): TransformKind | undefined {
  switch (field.type) {
    case 'dropdown':
      if (field.linkType !== null && multi.has(field.linkType)) return 'multi-select → multi-select choice'
      return field.custom || Number(field.linkType) >= 1000
        ? 'custom dropdown → new choice'
        : 'dropdown → choice'
    case 'link':
    case 'assignment':
    case 'optionalAssignment':
      return 'link → lookup'
    case 'currency':
      return 'currency → money'
    case 'date':
    case 'dateTime':
      return 'date → date/time'
    default:
      return undefined
  }
}

/** Lower bounds of the share of confident fields for A, B, C, D; less is E. */
const CLARITY_BOUNDS = [0.9, 0.8, 0.65, 0.5] as const

/**
 * Mapping clarity: the share of fields of the classes holding records that the proposer maps (or skips) with
 * confidence ≥ 0.85 and no review line, as `map propose` would with the same samples. Without samples, default fields
 * that are empty in practice count as unclear.
 */
export function clarityFactor(
  discovery: Pick<Discovery, 'source' | 'target' | 'counts'>,
  samples?: Samples,
): Factor {
  const proposal = proposeMapping(discovery.source, discovery.target, samples ?? {})
  const review = new Set(proposal.review)
  const sampled = Object.values(samples ?? {}).reduce((n, rows) => n + rows.length, 0)
  let total = 0
  let confident = 0
  for (const [entity, fields] of Object.entries(proposal.evidence)) {
    if ((discovery.counts[entity] ?? 0) === 0) continue
    for (const [name, evidence] of Object.entries(fields)) {
      // The Lead/Contact split maps the same fields a second time: count each field once.
      if (name.startsWith('split.')) continue
      total++
      if (evidence.confidence >= 0.85 && !review.has(`entities.${entity}.fields.${name}`)) confident++
    }
  }
  const share = total === 0 ? 1 : confident / total
  const score = share >= CLARITY_BOUNDS[0] ? 1 : 1 + CLARITY_BOUNDS.filter((bound) => share < bound).length
  return {
    name: 'mapping clarity',
    score,
    grade: gradeOf(score),
    explanation:
      `${confident} of ${total} field(s) (${Math.round(share * 100)}%) map with confidence ≥ 0.85 and no review ` +
      `(A ≥ 90%, B ≥ 80%, C ≥ 65%, D ≥ 50%, else E), in the classes that hold records`,
    details: [
      `${total - confident} field(s) a person must decide or review in the proposed map`,
      sampled > 0
        ? `proposed from the schemas and ${sampled} sampled record(s), as \`x2d365 map propose\` does`
        : 'proposed from the schemas alone: no records were sampled, so fields that are always empty count as unclear',
    ],
  }
}

export function constraintsFactor(
  discovery: Pick<Discovery, 'unreadable'>,
  facts: Pick<ScopeFacts, 'source' | 'customModules' | 'inventory'>,
  modules: readonly ModuleScope[],
  attachments: AttachmentVolume | { unreadable: string },
): Factor {
  const details: string[] = []
  let points = 0
  const hidden = modules.filter((m) => m.caveat !== undefined && m.records > 0).map((m) => m.entity)
  if (hidden.length > 0) {
    points += 1
    details.push(
      `+1 hidden records: ${hidden.join(', ')} may hold private records the API does not list; migrate probes ids for them`,
    )
  }
  const custom = facts.customModules ?? []
  if (custom.length > 0) {
    const add = custom.length > 3 ? 2 : 1
    points += add
    details.push(`+${add} custom modules: ${custom.join(', ')} need a custom table and a map written by hand`)
  }
  if (!('unreadable' in attachments) && attachments.overLimit.length > 0) {
    const add = attachments.overLimit.length > attachments.files * 0.1 ? 2 : 1
    points += add
    details.push(
      `+${add} attachments over the target's upload limit: ${attachments.overLimit.length} of ${attachments.files} file(s); raise organization.maxuploadfilesize (up to 131,072,000) before the load`,
    )
  }
  const unreadable = Object.keys(discovery.unreadable)
  if (unreadable.length > 0) {
    points += 1
    details.push(`+1 unreadable classes: ${unreadable.join(', ')}`)
  }
  if (facts.source === 'api') {
    points += 1
    details.push(
      '+1 API only: X2Flow, processes, report settings, list members and quote lines are only in the database (API v2 has no route to them: X2CRM 7.1, protected/controllers/Api2Controller.php)',
    )
  }
  const score = Math.min(5, 1 + points)
  return {
    name: 'API constraints',
    score,
    grade: gradeOf(score),
    explanation: `${points} point(s) of source and target constraints (A = 0, each point one grade, E from 4)`,
    details: details.length > 0 ? details : ['none found'],
  }
}

/** Upper bounds of the records (modules + attachments) for A, B, C, D; more is E. */
const VOLUME_BOUNDS = [50_000, 250_000, 1_000_000, 5_000_000] as const
const LARGE_ATTACHMENTS_BYTES = 50 * 1024 ** 3

export function volumeFactor(
  modules: readonly ModuleScope[],
  attachments: AttachmentVolume | { unreadable: string },
): Factor {
  const files = 'unreadable' in attachments ? 0 : attachments.files
  const records = modules.reduce((sum, m) => sum + m.records, 0) + files
  let score = scoreBelow(records, VOLUME_BOUNDS)
  const details = [`${records.toLocaleString('en-US')} records (${files} of them attachments)`]
  if (!('unreadable' in attachments) && attachments.bytes >= LARGE_ATTACHMENTS_BYTES) {
    score = Math.min(5, score + 1)
    details.push(`+1 grade: ${formatBytes(attachments.bytes)} of attachments (50 GB or more)`)
  }
  return {
    name: 'volume',
    score,
    grade: gradeOf(score),
    explanation: `${records.toLocaleString('en-US')} records to load (A < 50,000, B < 250,000, C < 1,000,000, D < 5,000,000, else E)`,
    details,
  }
}

/**
 * Records per second a load can sustain on service protection limits alone, for `appUsers` application users
 * sending UpsertMultiple requests of `batchSize` rows: the least of the request limit (20 requests/s × rows per
 * request), the execution-time limit (4 s of server time per second ÷ 20 ms per row) and the concurrency limit
 * (52 requests in flight, each taking rows × 20 ms), times the users. One web server: larger orgs have more.
 */
export function throughputFromLimits(appUsers: number, batchSize: number): CutoverEstimate['throughput'] {
  const { windowSeconds, requests, executionSeconds, concurrentRequests } = SERVICE_PROTECTION
  const byRequests = (requests / windowSeconds) * batchSize
  const byExecution = executionSeconds / windowSeconds / UPSERT_SECONDS_PER_RECORD
  const byConcurrency = concurrentRequests / UPSERT_SECONDS_PER_RECORD
  const perUser = Math.min(byRequests, byExecution, byConcurrency)
  const limit =
    perUser === byExecution ? 'execution time' : perUser === byRequests ? 'requests' : 'concurrency'
  const users = Math.max(1, appUsers)
  return {
    recordsPerSecond: perUser * users,
    basis: 'limits',
    explanation:
      `estimated from Dataverse's service protection limits per application user (${requests.toLocaleString('en-US')} requests and ` +
      `${executionSeconds / 60} min of execution time per ${windowSeconds / 60} min, ${concurrentRequests} concurrent; ` +
      `https://aka.ms/serviceprotectionlimits) and ${UPSERT_SECONDS_PER_RECORD * 1000} ms ` +
      `of server time per upserted row (Microsoft's UpsertMultiple sample: 100 rows in 2 s; https://learn.microsoft.com/power-apps/developer/data-platform/webapi/samples/create-update-multiple): ` +
      `${round1(perUser)} records/s per user, bound by ${limit}, × ${users} application user(s), batches of ${batchSize}. ` +
      'One web server; a production org may spread over more. Run a rehearsal in a sandbox to measure the real rate.',
  }
}

/** The newest succeeded migrate run with a throughput in its summary. */
export function measuredThroughput(runs: readonly RunInfo[]): MeasuredThroughput | undefined {
  for (const run of runs) {
    if (run.kind !== MIGRATE_RUN || run.status !== 'succeeded') continue
    const processed = run.summary?.['processed']
    const seconds = run.summary?.['seconds']
    if (typeof processed === 'number' && typeof seconds === 'number' && processed > 0 && seconds > 0) {
      return { runId: run.runId, processed, seconds, ...(run.finishedAt && { finishedAt: run.finishedAt }) }
    }
  }
  return undefined
}

export function estimateCutover(
  modules: readonly ModuleScope[],
  attachments: AttachmentVolume | { unreadable: string },
  facts: Pick<ScopeFacts, 'throughput' | 'recentChanges' | 'target'>,
): CutoverEstimate {
  const measured = facts.throughput
  const throughput: CutoverEstimate['throughput'] =
    measured === undefined
      ? throughputFromLimits(facts.target.appUsers, facts.target.batchSize)
      : {
          recordsPerSecond: measured.processed / measured.seconds,
          basis: 'measured',
          explanation:
            `measured: migrate run ${measured.runId} processed ${measured.processed.toLocaleString('en-US')} records in ` +
            `${round1(measured.seconds)} s (the ledger's newest succeeded run)`,
        }
  const files = 'unreadable' in attachments ? 0 : attachments.files
  const records = modules.reduce((sum, m) => sum + m.records, 0) + files
  const rate = throughput.recordsPerSecond
  const recent = facts.recentChanges
  const delta: CutoverEstimate['delta'] =
    recent === undefined
      ? { unknown: 'changes per day were not counted' }
      : 'unreadable' in recent
        ? { unknown: recent.unreadable }
        : (() => {
            const changed = Object.values(recent.counts).reduce((sum, n) => sum + n, 0)
            return {
              records: changed,
              seconds: changed / rate,
              basis: `the ${changed.toLocaleString('en-US')} record(s) changed in the last ${recent.days} days (lastUpdated), as a delta after a load ${recent.days} days before cutover would find`,
            }
          })()
  return { throughput, full: { records, seconds: records / rate }, delta }
}

/** `A` for scores below the first bound, … `E` at or past the last. */
function scoreBelow(value: number, bounds: readonly number[]): number {
  const index = bounds.findIndex((bound) => value < bound)
  return index === -1 ? bounds.length + 1 : index + 1
}

export function gradeOf(score: number): Grade {
  return GRADES[Math.min(4, Math.max(0, Math.round(score) - 1))] ?? 'E'
}

/** `45 s`, `12 min`, `3 h 20 min`, `2 d 4 h`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown'
  if (seconds < 60) return seconds === 0 ? '0 s' : `${Math.max(1, Math.round(seconds))} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours} h${minutes % 60 === 0 ? '' : ` ${minutes % 60} min`}`
  return `${Math.floor(hours / 24)} d${hours % 24 === 0 ? '' : ` ${hours % 24} h`}`
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}

function round1(n: number): number {
  return Math.round(n * 10) / 10
}

/** scope.md: what there is, how hard, how long; every number with where it came from. */
export function renderScopeMarkdown(report: ScopeReport): string {
  const { complexity, cutover } = report
  const lines = [
    '# Migration scope',
    '',
    `Discovered ${report.discoveredAt} through ${report.source === 'api' ? 'X2CRM API v2' : 'the X2CRM database'}.`,
    '',
    `**Complexity: ${complexity.grade}** (${complexity.explanation}).`,
    '',
    `**Full load: ${formatDuration(cutover.full.seconds)}** for ${cutover.full.records.toLocaleString('en-US')} records` +
      ` at ${round1(cutover.throughput.recordsPerSecond)} records/s.` +
      ('unknown' in cutover.delta
        ? ` **Delta:** unknown (${cutover.delta.unknown}).`
        : ` **Delta: ${formatDuration(cutover.delta.seconds)}** for ${cutover.delta.records.toLocaleString('en-US')} records.`),
    '',
    '## Modules',
    '',
    '| X2CRM class | Dataverse table | Records | Fields | Custom fields |',
    '|---|---|---:|---:|---|',
  ]
  for (const m of report.modules) {
    lines.push(
      `| ${m.entity} | ${m.table ?? '—'} | ${m.records.toLocaleString('en-US')}${m.caveat ? ' ¹' : ''} | ${m.fields} | ${m.customFields.length === 0 ? '—' : `${m.customFields.length}: ${m.customFields.join(', ')}`} |`,
    )
  }
  const caveat = report.modules.find((m) => m.caveat !== undefined)?.caveat
  if (caveat !== undefined) lines.push('', `¹ ${caveat}.`)
  for (const u of report.unreadableModules) lines.push('', `${u.entity}: not readable (${u.reason}).`)
  if (report.customModules.length > 0) {
    lines.push(
      '',
      `Custom modules: ${report.customModules.join(', ')} (not in the default map: each needs a table).`,
    )
  }
  lines.push(
    '',
    '## Users',
    '',
    `${report.users.total} users: ${report.users.active} active, ${report.users.inactive} inactive (inactive owners still own records; \`x2d365 users\` decides who gets them).`,
    '',
    '## Attachments',
    '',
  )
  const a = report.attachments
  if ('unreadable' in a) lines.push(`Not measured: ${a.unreadable}.`)
  else {
    lines.push(
      `${a.files.toLocaleString('en-US')} file(s), ${formatBytes(a.bytes)} (sizes from the ${a.from}` +
        `${a.missing > 0 ? `; ${a.missing} not found in the uploads folder` : ''}${a.drive > 0 ? `; ${a.drive} in Google Drive, migrated as links` : ''}).`,
    )
    if (a.overLimit.length > 0) {
      lines.push(
        '',
        `${a.overLimit.length} file(s) exceed the target's upload limit (${formatBytes(a.limitBytes)} of Base64 text, organization.maxuploadfilesize): raise it before the load, up to 131,072,000 bytes.`,
        '',
        ...a.overLimit.slice(0, 10).map((f) => `- media ${f.mediaId} ${f.fileName}: ${formatBytes(f.bytes)}`),
      )
    }
  }
  lines.push('', '## Workflows, reports and campaign content', '')
  const auto = report.automation
  lines.push(
    'unreadable' in auto
      ? `- X2Flow automations: not readable through the API (${auto.unreadable})`
      : `- X2Flow automations: ${auto.flows} (${auto.activeFlows} active): \`x2d365 docs\` writes their Power Automate rebuild`,
  )
  for (const r of report.rebuild) {
    lines.push(`- ${r.kind}: ${r.count === null ? (r.note ?? 'not read') : r.count}`)
  }
  lines.push('', `## Complexity: ${complexity.grade}`, '', '| Factor | Grade | Why |', '|---|---|---|')
  for (const f of complexity.factors) lines.push(`| ${f.name} | ${f.grade} | ${f.explanation} |`)
  for (const f of complexity.factors) {
    lines.push('', `**${f.name}** (${f.grade}):`, '', ...f.details.map((d) => `- ${d}`))
  }
  lines.push(
    '',
    '## Cutover window',
    '',
    `Throughput: ${round1(cutover.throughput.recordsPerSecond)} records/s, ${cutover.throughput.explanation}`,
    '',
    '| Load | Records | Time |',
    '|---|---:|---:|',
    `| Full load | ${cutover.full.records.toLocaleString('en-US')} | ${formatDuration(cutover.full.seconds)} |`,
    'unknown' in cutover.delta
      ? `| Delta | — | unknown: ${cutover.delta.unknown} |`
      : `| Delta | ${cutover.delta.records.toLocaleString('en-US')} | ${formatDuration(cutover.delta.seconds)} |`,
    '',
    'unknown' in cutover.delta ? '' : `The delta counts ${cutover.delta.basis}.`,
    "Loading time only: add reading X2CRM, the second pass for links, verification and the users' freeze.",
  )
  return `${lines.join('\n')}\n`
}

/** One line each for the terminal: the grade and the two estimates. */
export function summarizeScope(report: ScopeReport): string[] {
  const { complexity, cutover } = report
  return [
    `Complexity ${complexity.grade}: ${complexity.factors.map((f) => `${f.name} ${f.grade}`).join(', ')}.`,
    `Cutover: full load ${formatDuration(cutover.full.seconds)} (${cutover.full.records.toLocaleString('en-US')} records), ` +
      ('unknown' in cutover.delta
        ? `delta unknown (${cutover.delta.unknown})`
        : `delta ${formatDuration(cutover.delta.seconds)} (${cutover.delta.records.toLocaleString('en-US')} records)`) +
      `, at ${round1(cutover.throughput.recordsPerSecond)} records/s ${cutover.throughput.basis === 'measured' ? 'measured' : 'estimated from the service protection limits'}.`,
  ]
}
