import { createHash } from 'node:crypto'
import { isMap, isPair, isScalar, parseDocument } from 'yaml'
import { parseOwnerDecisions } from '../config/owner-decisions.ts'
import { checkConfirmed, parseLock } from '../mapping/confirm.ts'
import { parseMapping } from '../mapping/parse-mapping.ts'
import { reconcileOwners, type OwnerDecisions } from '../mapping/reconcile-users.ts'
import { previewSplit } from '../mapping/split-rule.ts'
import type { RecordFilter } from '../mapping/types.ts'
import { validateMapping } from '../mapping/validate-mapping.ts'
import type { WrittenCondition } from '../mapping/written-mapping.ts'
import type { FieldSample } from './field-samples.ts'
import type { DataverseUserRow, OwnerRow, ReviewData } from './gather.ts'
import type { OwnerChoice } from './users-file.ts'

/** The three files the page reads and writes, as text (`undefined`: not there). */
export interface ReviewFiles {
  mapping: string
  users: string | undefined
  lock: string | undefined
}

/** One field line of the map as the page shows it. */
export interface LineView {
  section: 'fields' | 'split'
  field: string
  label: string
  type: string
  /** X2CRM dropdown options (stored value → label) when the field is a dropdown. */
  options?: Record<string, string>
  sample?: FieldSample
  /** The line as written: `{ target, transform, … }` or `{ skip: true, reason }`. */
  line: Record<string, unknown>
  confidence?: number
  evidence?: string
  problems: string[]
}

export interface ColumnView {
  name: string
  type: string
  maxLength?: number
  options?: { value: number; label: string }[]
}

export interface SplitView {
  table: string
  match: 'any' | 'all'
  when: WrittenCondition[]
  preview: SplitCounts
}

export interface SplitCounts {
  rule: string
  total: number
  split: number
  kept: number
  byCondition: { condition: string; matches: number }[]
}

export interface ObjectView {
  entity: string
  table: string
  /** Records X2CRM lists for the class (discovery.json); 0: an empty module. */
  records: number | undefined
  lines: LineView[]
  columns: ColumnView[]
  split?: SplitView & { columns: ColumnView[] }
  /** Keys of the entity the page does not edit (dedupe, defaults, and what newer x2d365 adds), as written. */
  other: Record<string, unknown>
}

export interface OwnerView extends OwnerRow {
  choice: OwnerChoice
  /** What `x2d365 users` makes of this owner now: `matched by e-mail to …`, or why nobody is found. */
  resolution: string
}

/** Everything the page shows, as one JSON document. */
export interface PageView {
  mappingHash: string
  usersHash: string
  lock: { state: 'none' | 'current' | 'changed'; who?: string; when?: string }
  settings: { tags: string; linkByName: boolean; publisherPrefix: string }
  objects: ObjectView[]
  /** Problems not about one line (a class X2CRM lacks, a table Dataverse lacks, YAML errors). */
  problems: { errors: string[]; warnings: string[] }
  review: number
  owners: OwnerView[]
  usersProblems: string[]
  dataverseUsers: DataverseUserRow[]
  teams: { id: string; name: string }[]
}

/** sha256 of a file's text, what each save sends back to prove it saw the newest content. */
export function contentHash(text: string | undefined): string {
  return `sha256:${createHash('sha256')
    .update(text ?? '')
    .digest('hex')}`
}

/** The files and the gathered data → what the page shows. Pure (the split counts run over records in memory). */
export async function buildPageView(files: ReviewFiles, data: ReviewData): Promise<PageView> {
  const document = parseDocument(files.mapping)
  const written = (document.toJS() ?? {}) as WrittenShape
  const parsed = parseMapping(files.mapping)
  const errors = [...parsed.errors]
  const warnings = parsed.warnings.filter((w) => !w.includes('flagged for review'))
  if (parsed.value !== undefined) {
    const problems = validateMapping(parsed.value, data.discovery.source, data.discovery.target)
    errors.push(...problems.errors)
    warnings.push(...problems.warnings)
  }
  const byLine = new Map<string, string[]>()
  const general = { errors: [] as string[], warnings: [] as string[] }
  for (const [list, kind] of [
    [errors, 'errors'],
    [warnings, 'warnings'],
  ] as const) {
    for (const message of list) {
      const key = lineKeyOf(message)
      if (key === undefined) general[kind].push(message)
      else
        byLine.set(key, [
          ...(byLine.get(key) ?? []),
          `${kind === 'errors' ? 'error' : 'warning'}: ${message}`,
        ])
    }
  }

  const objects: ObjectView[] = []
  let review = 0
  for (const [entity, value] of Object.entries(written.entities ?? {})) {
    const node = document.getIn(['entities', entity])
    const lines = [
      ...linesOf(entity, 'fields', value.fields, isMap(node) ? node.get('fields') : undefined, data, byLine),
    ]
    const splitNode = isMap(node) ? node.get('split') : undefined
    let split: ObjectView['split']
    if (value.split !== undefined) {
      const s = value.split
      lines.push(
        ...linesOf(
          entity,
          'split',
          s.fields,
          isMap(splitNode) ? splitNode.get('fields') : undefined,
          data,
          byLine,
        ),
      )
      split = {
        table: String(s.table),
        match: s.match === 'all' ? 'all' : 'any',
        when: s.when ?? [],
        preview: await splitCounts(
          s.match === 'all' ? 'all' : 'any',
          s.when ?? [],
          data.splitRecords[entity] ?? [],
        ),
        columns: columnsOf(data, String(s.table)),
      }
    }
    review += lines.filter((l) => typeof l.line['review'] === 'string').length
    const other = Object.fromEntries(
      Object.entries(value).filter(([key]) => !['table', 'fields', 'split'].includes(key)),
    )
    objects.push({
      entity,
      table: String(value.table),
      records: data.discovery.counts[entity],
      lines,
      columns: columnsOf(data, String(value.table)),
      ...(split && { split }),
      other,
    })
  }

  const decisions = parseOwnerDecisions(files.users ?? '')
  const owners = ownerViews(data, decisions.value)
  return {
    mappingHash: contentHash(files.mapping),
    usersHash: contentHash(files.users),
    lock: lockState(files),
    settings: {
      tags: written.settings?.tags?.mode ?? 'multiselect',
      linkByName: written.settings?.repairs?.linkByName ?? true,
      publisherPrefix: written.settings?.publisherPrefix ?? 'new_',
    },
    objects,
    problems: general,
    review,
    owners,
    usersProblems: decisions.errors,
    dataverseUsers: data.dataverseUsers,
    teams: data.teams,
  }
}

/** How many records of a split class a rule sends to the split table, and how many each condition matches. */
export async function splitCounts(
  match: 'any' | 'all',
  when: readonly WrittenCondition[],
  records: readonly Record<string, unknown>[],
): Promise<SplitCounts> {
  const filter: RecordFilter = {
    match,
    conditions: when.map((c) => {
      if ('field' in c && 'in' in c) return { type: 'field', field: c.field, in: c.in }
      if ('tag' in c) return { type: 'tag', tags: Array.isArray(c.tag) ? c.tag : [c.tag] }
      return { type: 'hasCompany', field: c.field ?? 'company', value: c.hasCompany }
    }),
  }
  const preview = await previewSplit(filter, records, () => [], 0)
  return {
    rule: preview.rule,
    total: preview.total,
    split: preview.split,
    kept: preview.kept,
    byCondition: preview.byCondition,
  }
}

interface WrittenShape {
  settings?: {
    publisherPrefix?: string
    tags?: { mode?: string }
    repairs?: { linkByName?: boolean }
  }
  entities?: Record<
    string,
    {
      table: unknown
      fields?: Record<string, Record<string, unknown>>
      split?: {
        table: unknown
        match?: string
        when?: WrittenCondition[]
        fields?: Record<string, Record<string, unknown>>
      }
    } & Record<string, unknown>
  >
}

function linesOf(
  entity: string,
  section: 'fields' | 'split',
  fields: Record<string, Record<string, unknown>> | undefined,
  node: unknown,
  data: ReviewData,
  problems: ReadonlyMap<string, string[]>,
): LineView[] {
  const comments = new Map<string, string>()
  if (isMap(node)) {
    node.items.forEach((pair, i) => {
      if (!isPair(pair) || !isScalar(pair.key)) return
      // The first key's comment is parsed as the comment of the map it opens.
      const comment = pair.key.commentBefore ?? (i === 0 ? node.commentBefore : undefined)
      if (comment) comments.set(String(pair.key.value), comment)
    })
  }
  const sourceFields = data.discovery.source.entities[entity] ?? []
  return Object.entries(fields ?? {}).map(([field, line]) => {
    // A line that names its X2CRM field (`id_defaultuomid: { source: id, … }`) is about that field.
    const name = typeof line['source'] === 'string' ? line['source'] : field
    const source = sourceFields.find((f) => f.fieldName === name)
    const dropdown =
      source?.type === 'dropdown'
        ? data.discovery.source.dropdowns.find((d) => String(d.id) === source.linkType)
        : undefined
    const evidence = /^\s*(\d(?:\.\d+)?)\s+(.*)$/s.exec(comments.get(field) ?? '')
    const sample = data.samples[entity]?.[field]
    return {
      section,
      field,
      label: source?.attributeLabel ?? field,
      type: source?.type ?? 'unknown',
      ...(dropdown && { options: { ...dropdown.options } }),
      ...(sample && { sample }),
      line,
      ...(evidence && { confidence: Number(evidence[1]), evidence: (evidence[2] ?? '').trim() }),
      problems: problems.get(`${entity}/${section}/${field}`) ?? [],
    }
  })
}

function columnsOf(data: ReviewData, table: string): ColumnView[] {
  return (data.discovery.target[table]?.columns ?? [])
    .filter((c) => c.readOnly !== true && c.primaryId !== true)
    .map((c) => ({
      name: c.name,
      type: c.type,
      ...(c.maxLength !== undefined && { maxLength: c.maxLength }),
      ...(c.options && { options: c.options.map((o) => ({ value: o.value, label: o.label })) }),
    }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** `entities.Contacts.split.fields.email.target (line 3): …` → `Contacts/split/email`. */
function lineKeyOf(message: string): string | undefined {
  const found = /^entities\.([^.\s]+)\.(split\.)?fields\.([^.\s:(]+)/.exec(message)
  if (found === null) return undefined
  return `${found[1] ?? ''}/${found[2] === undefined ? 'fields' : 'split'}/${found[3] ?? ''}`
}

/** Each owner with its choice in users.yaml and how the owner reconciliation of `x2d365 users` resolves it now. */
function ownerViews(data: ReviewData, decisions: OwnerDecisions | undefined): OwnerView[] {
  const users = data.owners
    .filter((o) => o.kind === 'user')
    .map((o) => ({
      id: 0,
      username: o.key,
      emailAddress: o.email,
      firstName: o.name,
      lastName: '',
      status: o.active ? 1 : 0,
    }))
  const systemUsers = data.dataverseUsers.map((u) => ({
    systemuserid: u.id,
    internalemailaddress: u.email,
    fullname: u.name,
    isdisabled: u.disabled,
  }))
  // Every owner gets a resolution, those without records too (the reconciliation leaves them out).
  const counts = Object.fromEntries(
    data.owners.filter((o) => o.kind === 'user').map((o) => [o.key, Math.max(o.records, 1)]),
  )
  const groups = data.owners
    .filter((o) => o.kind === 'group' && /^\d+$/.test(o.key))
    .map((o) => ({ id: Number(o.key), name: o.name, records: Math.max(o.records, 1) }))
  const defaultOwner = decisions?.defaultOwner ?? data.defaultOwnerEmail
  const result = reconcileOwners(
    users,
    systemUsers,
    counts,
    { ...decisions, ...(defaultOwner !== undefined && { defaultOwner }) },
    { groups, teams: data.teams.map((t) => ({ teamid: t.id, name: t.name })) },
  )
  return data.owners.map((owner) => {
    const name = owner.kind === 'group' ? `group ${owner.key}` : owner.key
    const row = result.decisions?.find((d) => d.owner === name)
    const queued = result.queue.find((q) => q.username === name || q.username === owner.key)
    const resolution =
      row !== undefined && row.takenBy.type !== 'undecided'
        ? describeTaker(row.takenBy, row.by)
        : (queued?.reason ?? 'undecided: pick a Dataverse user or team')
    return { ...owner, choice: choiceOf(decisions, owner.key), resolution }
  })
}

function describeTaker(
  takenBy: NonNullable<ReturnType<typeof reconcileOwners>['decisions']>[number]['takenBy'],
  by: 'hand' | 'email' | 'name' | 'default' | 'none',
): string {
  const who =
    takenBy.type === 'user'
      ? (takenBy.email ?? takenBy.systemuserid)
      : takenBy.type === 'team'
        ? `team ${takenBy.name}`
        : 'the application user'
  if (by === 'default') return `goes to the default owner ${who}`
  if (by === 'hand') return `your choice: ${who}`
  if (by === 'email' || by === 'name') return `matched by ${by === 'email' ? 'e-mail' : 'name'} to ${who}`
  return who
}

function choiceOf(decisions: OwnerDecisions | undefined, key: string): OwnerChoice {
  const decided = decisions?.byHand?.[key] ?? decisions?.groups?.[key]
  if (typeof decided === 'string')
    return decided === 'default' ? { kind: 'none' } : { kind: 'user', email: decided }
  if (decided !== undefined && 'user' in decided) return { kind: 'user', email: decided.user }
  if (decided !== undefined) return { kind: 'team', name: decided.team }
  const team = decisions?.teams?.[key]
  if (team !== undefined) return { kind: 'team', name: team }
  return { kind: 'none' }
}

function lockState(files: ReviewFiles): PageView['lock'] {
  if (files.lock === undefined) return { state: 'none' }
  const parsed = parseLock(files.lock)
  if ('error' in parsed) return { state: 'none' }
  const check = checkConfirmed(files.mapping, parsed.lock)
  return {
    state: check.status === 'ok' ? 'current' : 'changed',
    who: parsed.lock.who,
    when: parsed.lock.when,
  }
}
