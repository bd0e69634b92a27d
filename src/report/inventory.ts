import { describeDynamicLists, type DynamicListItem, type ListCriterionInput } from './dynamic-lists.ts'
/**
 * The inventory of what a migration does not move but someone must rebuild in Dynamics 365: saved reports, charts,
 * dashboards (widget layouts), processes (as business process flows), campaigns with their e-mail content, and
 * templates. Pure: rows and records in, items with "how to rebuild" out, and their Markdown.
 *
 * Where each comes from (api.md §1.13, §2.12, §2.13): reports `x2_reports_2` (API v2 omits `settings`), charts
 * `x2_charts`, dashboards `x2_settings` (per-user layouts) and `x2_reports_2.dataWidgetLayout`, processes
 * `x2_workflows`/`x2_workflow_stages` (not X2Model classes), campaigns `Campaign` (API or `x2_campaigns`), templates
 * `Docs` (API or `x2_docs`).
 */
import { htmlToText } from '../source/x2crm/normalize/html.ts'
import { associationClass, parseLinkValue } from '../source/x2crm/normalize/link.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'

export type InventoryKind = 'reports' | 'charts' | 'dashboards' | 'processes' | 'campaigns' | 'templates'

/** Why API v2 cannot give each kind, and what the database source reads instead. */
export const NOT_IN_API: Readonly<Record<'reports' | 'charts' | 'dashboards' | 'processes', string>> = {
  reports:
    'API v2 does not return report definitions (x2_reports_2.settings has no x2_fields row, and api2/models does not list Reports); source.mysql would read x2_reports_2',
  charts:
    'API v2 does not serve charts (api2/models does not list Charts); source.mysql would read x2_charts',
  dashboards:
    "API v2 does not serve widget layouts; source.mysql would read x2_settings (each user's home page and charts dashboard) and x2_reports_2.dataWidgetLayout",
  processes:
    'processes are not X2Model classes, so API v2 has no route to them (X2CRM 7.1, protected/controllers/Api2Controller.php); source.mysql would read x2_workflows and x2_workflow_stages',
}

export interface ReportInput {
  id: number
  name: string
  type: string | null
  /** JSON text: `{ columns, orderBy, primaryModelType, allFilters, anyFilters, … }` */
  settings: string | null
  /** JSON text: widget name → `{ label, chartId, displayType, hidden, softDeleted, … }` */
  dataWidgetLayout: string | null
  createdBy: string | null
}

export interface ChartInput {
  id: number
  name: string
  reportId: number | null
  type: string | null
  /** JSON text: `{ timeField, labelField, filterType, filter, … }` */
  settings: string | null
}

/** One user's widget layout (`x2_settings` row of a profile). */
export interface LayoutInput {
  id: number
  /** The profile's user, or `user {id}` when unknown. */
  owner: string
  /** `ProfileWidgetLayout` (home page), `DataWidgetLayout` (charts dashboard), … */
  layout: string | null
  settings: string | null
}

export interface StageInput {
  id: number
  stageNumber: number
  name: string
  description: string | null
  conversionRate: string | null
  value: string | null
  requirePrevious: number | null
  requireComment: number | null
}

export interface ProcessInput {
  id: number
  name: string
  isDefault: boolean
  financial: boolean
  financialModel: string | null
  stages: readonly StageInput[]
  /** Module names (`contacts`, `opportunities`) whose default process this is (`x2_modules.defaultWorkflow`). */
  defaultFor: readonly string[]
  /** `associationType` → records that have a stage of this process (actions of type `workflow`). */
  recordsByType: Readonly<Record<string, number>>
}

/** Everything read; a kind left `undefined` could not be read, and `unreadable` says why. */
export interface InventoryInput {
  reports?: readonly ReportInput[]
  charts?: readonly ChartInput[]
  layouts?: readonly LayoutInput[]
  processes?: readonly ProcessInput[]
  campaigns?: readonly X2crmRecord[]
  /** X2List records, to describe a campaign's list, and the dynamic lists to rebuild. */
  lists?: readonly X2crmRecord[]
  /** Dynamic lists' rules (`x2_list_criteria`); `undefined` when only the API was read. */
  listCriteria?: readonly ListCriterionInput[]
  /** Campaign id → attached files; `undefined` when only the API was read. */
  campaignAttachments?: Readonly<Record<number, number>>
  templates?: readonly X2crmRecord[]
  unreadable?: Partial<Record<InventoryKind, string>>
}

export interface ReportItem {
  id: number
  name: string
  type: string
  entity: string | null
  table: string | null
  columns: string[]
  filters: string[]
  orderBy: string[]
  rebuild: string
}

export interface ChartItem {
  id: number
  name: string
  type: string
  reportId: number | null
  reportName: string | null
  entity: string | null
  table: string | null
  summary: string
  rebuild: string
}

export interface DashboardTile {
  label: string
  chartId: number | null
  display: string
  rebuild: string
}

export interface DashboardItem {
  name: string
  kind: 'report charts' | 'home page' | 'charts dashboard' | 'other'
  owner: string
  tiles: DashboardTile[]
  rebuild: string
}

export interface StagePlan {
  number: number
  x2crmName: string
  /** The business process flow stage to create. */
  stageName: string
  /** Dataverse stage category, when the name suggests one. */
  category: string | null
  description: string | null
  /** Data steps to put on the stage. */
  steps: string[]
  notes: string[]
}

export interface ProcessItem {
  id: number
  name: string
  isDefault: boolean
  /** The tables to build a business process flow on, with the records X2CRM tracked in this process. */
  entities: { entity: string; table: string; records: number }[]
  bpfName: string
  stages: StagePlan[]
  rebuild: string
}

export interface CampaignItem {
  id: number
  name: string
  type: string
  subject: string | null
  template: string | null
  list: { name: string; id: number | null; type: string | null; members: number | null } | null
  state: string
  contentBytes: number
  links: number
  images: number
  mergeFields: string[]
  /** The first words of the content as plain text, never the HTML. */
  preview: string
  attachments: number | null
  rebuild: string
}

export interface TemplateItem {
  id: number
  name: string
  type: string
  subject: string | null
  bytes: number
  mergeFields: string[]
  rebuild: string
}

export interface Inventory {
  reports: ReportItem[]
  charts: ChartItem[]
  dashboards: DashboardItem[]
  processes: ProcessItem[]
  campaigns: CampaignItem[]
  templates: TemplateItem[]
  /** Dynamic lists: created empty, their rules to rebuild as a query. */
  dynamicLists?: DynamicListItem[]
  unreadable: { kind: InventoryKind; reason: string }[]
}

/** X2CRM class → the Dataverse table its records go to (DESIGN.md default object map). */
const TABLE_OF: Readonly<Record<string, string>> = {
  Accounts: 'account',
  Contacts: 'contact',
  X2Leads: 'lead',
  Opportunity: 'opportunity',
  Product: 'product',
  Quote: 'quote',
  Services: 'incident',
  Campaign: 'campaign',
  X2List: 'list',
  Actions: 'task',
  Media: 'annotation',
}

/** Dataverse business process flow stage categories, matched by words in an X2CRM stage name. */
const STAGE_CATEGORIES: readonly [RegExp, string][] = [
  [/qualif|lead|discover/i, 'Qualify'],
  [/develop|demo|needs|solution/i, 'Develop'],
  [/propos|quot|offer|pric/i, 'Propose'],
  [/clos|won|lost|negotiat|contract|sign/i, 'Close'],
  [/identif|prospect|contact(ed)?\b|new\b/i, 'Identify'],
  [/research|analy/i, 'Research'],
  [/resol|fix|solv/i, 'Resolve'],
  [/approv|review/i, 'Approval'],
]

/** Dataverse chart types a model-driven chart offers; others need Power BI. */
const CHART_DISPLAY: Readonly<Record<string, string>> = {
  line: 'Line chart',
  bar: 'Bar chart',
  column: 'Column chart',
  area: 'Area chart',
  pie: 'Pie chart',
  funnel: 'Funnel chart',
  doughnut: 'Doughnut chart (Tag chart)',
}

export function buildInventory(input: InventoryInput): Inventory {
  const reports = (input.reports ?? []).map(describeReport)
  const reportById = new Map(reports.map((r) => [r.id, r]))
  const charts = (input.charts ?? []).map((c) => describeChart(c, reportById))
  const chartById = new Map(charts.map((c) => [c.id, c]))
  const dashboards = [
    ...(input.reports ?? []).flatMap((r) => reportDashboard(r, reportById.get(r.id), chartById)),
    ...(input.layouts ?? []).flatMap((l) => layoutDashboard(l, chartById)),
  ]
  const lists = new Map((input.lists ?? []).map((l) => [Number(l['id']), l]))
  const templates = (input.templates ?? []).map(describeTemplate)
  const templateNames = new Map(templates.map((t) => [t.id, t.name]))
  const unreadable = (Object.entries(input.unreadable ?? {}) as [InventoryKind, string][]).map(
    ([kind, reason]) => ({ kind, reason }),
  )
  return {
    reports,
    charts,
    dashboards,
    processes: (input.processes ?? []).map(describeProcess),
    campaigns: (input.campaigns ?? []).map((c) =>
      describeCampaign(c, lists, templateNames, input.campaignAttachments),
    ),
    dynamicLists: describeDynamicLists(input.lists ?? [], input.listCriteria),
    templates,
    unreadable,
  }
}

/** Counts per kind, for summary lines: `4 report(s), 2 chart(s), …`. */
export function countInventory(inventory: Inventory): Record<InventoryKind, number> {
  return {
    reports: inventory.reports.length,
    charts: inventory.charts.length,
    dashboards: inventory.dashboards.length,
    processes: inventory.processes.length,
    campaigns: inventory.campaigns.length,
    templates: inventory.templates.length,
  }
}

function describeReport(row: ReportInput): ReportItem {
  const settings = asObject(parseJson(row.settings))
  const entity = text(settings['primaryModelType']) || null
  const table = entity === null ? null : (TABLE_OF[entity] ?? null)
  const columns = strings(settings['columns'])
  const filters = [
    ...describeFilters(settings['allFilters'], 'all of'),
    ...describeFilters(settings['anyFilters'], 'any of'),
  ]
  const orderBy = arrayOf(settings['orderBy']).map(describeOrder)
  const type = row.type ?? 'rowsAndColumns'
  const on = table === null ? `the table ${entity ?? '(unknown)'} maps to` : `${table}`
  const rebuild =
    type === 'grid'
      ? `Power BI matrix (or an Excel template) on ${on}: X2CRM grid reports pivot rows against columns, which Dataverse views cannot`
      : type === 'summation'
        ? `A chart on ${on} grouping by the summary field, or Power BI for subtotals: Dataverse views do not total`
        : type === 'external'
          ? 'An external report: link it from a dashboard web resource or rebuild it in Power BI'
          : `A system view on ${on} (Advanced Find): these columns${filters.length > 0 ? ', these filters' : ''}${orderBy.length > 0 ? ', this order' : ''}; export to Excel replaces X2CRM's export`
  return { id: row.id, name: row.name, type, entity, table, columns, filters, orderBy, rebuild }
}

function describeChart(row: ChartInput, reports: ReadonlyMap<number, ReportItem>): ChartItem {
  const settings = asObject(parseJson(row.settings))
  const report = row.reportId === null ? undefined : reports.get(row.reportId)
  const timeField = text(settings['timeField'])
  const labelField = text(settings['labelField'])
  const period = describePeriod(settings)
  const parts = [
    timeField ? `over ${timeField}` : '',
    labelField ? `by ${labelField}` : '',
    period ? `for ${period}` : '',
  ].filter((p) => p !== '')
  const table = report?.table ?? null
  const type = row.type ?? 'chart'
  return {
    id: row.id,
    name: row.name,
    type,
    reportId: row.reportId,
    reportName: report?.name ?? null,
    entity: report?.entity ?? null,
    table,
    summary: `${type} of ${report?.entity ?? 'records'} ${parts.join(', ')}`.trim(),
    rebuild:
      `A system chart on ${table ?? 'the mapped table'}: ${timeField ? `horizontal axis ${timeField} grouped by day, ` : ''}` +
      `${labelField ? `series count of records by ${labelField}` : 'count of records'}` +
      `${period ? `, on a view filtered to ${period}` : ''}`,
  }
}

/** Widgets of a report's own dashboard: those placed from a chart (templates without a chart are skipped). */
function reportDashboard(
  row: ReportInput,
  report: ReportItem | undefined,
  charts: ReadonlyMap<number, ChartItem>,
): DashboardItem[] {
  const tiles = tilesOf(parseJson(row.dataWidgetLayout), charts).filter((t) => t.chartId !== null)
  if (tiles.length === 0) return []
  return [
    {
      name: `${row.name} (report charts)`,
      kind: 'report charts',
      owner: row.createdBy ?? 'unknown',
      tiles,
      rebuild: `A model-driven dashboard with ${tiles.length} chart component${tiles.length === 1 ? '' : 's'} on ${report?.table ?? 'the mapped table'}, or one Power BI report page`,
    },
  ]
}

const LAYOUT_KINDS: Readonly<Record<string, DashboardItem['kind']>> = {
  ProfileWidgetLayout: 'home page',
  DataWidgetLayout: 'charts dashboard',
}

function layoutDashboard(row: LayoutInput, charts: ReadonlyMap<number, ChartItem>): DashboardItem[] {
  const tiles = tilesOf(parseJson(row.settings), charts)
  if (tiles.length === 0) return []
  const kind = LAYOUT_KINDS[row.layout ?? ''] ?? 'other'
  return [
    {
      name: `${row.owner}'s ${kind === 'other' ? (row.layout ?? 'layout') : kind}`,
      kind,
      owner: row.owner,
      tiles,
      rebuild:
        kind === 'home page'
          ? `A personal dashboard for ${row.owner} (or a shared system dashboard): ${tiles.length} component${tiles.length === 1 ? '' : 's'}; X2CRM feed and profile widgets have no Dataverse counterpart beyond the timeline and views`
          : `A model-driven dashboard with ${tiles.length} chart component${tiles.length === 1 ? '' : 's'}, or a Power BI dashboard pinned in the app`,
    },
  ]
}

function tilesOf(layout: unknown, charts: ReadonlyMap<number, ChartItem>): DashboardTile[] {
  const tiles: DashboardTile[] = []
  for (const [key, raw] of Object.entries(asObject(layout))) {
    const widget = asObject(raw)
    if (widget['hidden'] === true || widget['softDeleted'] === true) continue
    const chartId = Number(widget['chartId'])
    const chart = Number.isSafeInteger(chartId) && chartId > 0 ? charts.get(chartId) : undefined
    const display = text(widget['displayType'])
    const label = text(widget['label']) || key.replace(/_[0-9a-f]+$/, '')
    const kind = CHART_DISPLAY[display.toLowerCase()]
    tiles.push({
      label,
      chartId: Number.isSafeInteger(chartId) && chartId > 0 ? chartId : null,
      display: display || key.replace(/_[0-9a-f]+$/, ''),
      rebuild:
        chart === undefined && display === ''
          ? `a component for the ${key.replace(/_[0-9a-f]+$/, '')} widget (a view or a web resource)`
          : kind !== undefined
            ? `${kind} of "${chart?.name ?? label}"`
            : `"${chart?.name ?? label}" as a Power BI visual (${display} is not a model-driven chart type)`,
    })
  }
  return tiles
}

function describeProcess(process: ProcessInput): ProcessItem {
  const byEntity = new Map<string, number>()
  for (const module of process.defaultFor) {
    const entity = associationClass(module)
    if (entity !== undefined) byEntity.set(entity, byEntity.get(entity) ?? 0)
  }
  if (process.financial && process.financialModel) {
    const entity = associationClass(process.financialModel) ?? process.financialModel
    byEntity.set(entity, byEntity.get(entity) ?? 0)
  }
  for (const [type, records] of Object.entries(process.recordsByType)) {
    const entity = associationClass(type) ?? type
    byEntity.set(entity, (byEntity.get(entity) ?? 0) + records)
  }
  const entities = [...byEntity]
    .sort((a, b) => b[1] - a[1])
    .map(([entity, records]) => ({ entity, table: TABLE_OF[entity] ?? entity.toLowerCase(), records }))
  const stages = [...process.stages]
    .sort((a, b) => a.stageNumber - b.stageNumber)
    .map((stage) => planStage(stage, process, entities[0]?.table))
  const tables = entities.map((e) => e.table)
  return {
    id: process.id,
    name: process.name,
    isDefault: process.isDefault,
    entities,
    bpfName: `${process.name} Process`,
    stages,
    rebuild:
      tables.length === 0
        ? `A business process flow named "${process.name} Process" on the table its records map to (no module uses this process yet: check whether it is still needed)`
        : tables.length === 1
          ? `A business process flow "${process.name} Process" on ${tables[0]} with the ${stages.length} stage${stages.length === 1 ? '' : 's'} below`
          : `One business process flow per table (${tables.join(', ')}): X2CRM runs a process on any module, a business process flow belongs to one table (or moves across up to 5)`,
  }
}

function planStage(stage: StageInput, process: ProcessInput, table: string | undefined): StagePlan {
  const steps: string[] = []
  const notes: string[] = []
  if (Number(stage.requireComment) === 1) {
    steps.push(`"${stage.name} comment" (required; a text column, e.g. new_${slug(stage.name)}comment)`)
  }
  const value = Number(stage.value)
  const rate = Number(stage.conversionRate)
  if (process.financial || value > 0 || rate > 0) {
    if (table === 'opportunity') {
      if (rate > 0) steps.push(`Probability (closeprobability), ${rate}% at this stage in X2CRM`)
      if (value > 0) steps.push(`Est. Revenue (estimatedvalue), ${stage.value} at this stage in X2CRM`)
    } else if (rate > 0 || value > 0) {
      notes.push(
        `X2CRM gives this stage a conversion rate ${stage.conversionRate ?? '—'} and value ${stage.value ?? '—'}; keep them in a forecast column or in Power BI`,
      )
    }
  }
  if (stage.requirePrevious !== null && Number(stage.requirePrevious) === 0 && stage.stageNumber > 1) {
    notes.push(
      'X2CRM lets users start this stage before the previous one is done; a business process flow moves in order (use a branch condition to skip)',
    )
  }
  if (steps.length === 0) steps.push('(X2CRM asks for no data here: add the fields the team must fill)')
  const category = STAGE_CATEGORIES.find(([pattern]) => pattern.test(stage.name))?.[1] ?? null
  return {
    number: stage.stageNumber,
    x2crmName: stage.name,
    stageName: stage.name.slice(0, 100),
    category,
    description: stage.description,
    steps,
    notes,
  }
}

function describeCampaign(
  record: X2crmRecord,
  lists: ReadonlyMap<number, X2crmRecord>,
  templates: ReadonlyMap<number, string>,
  attachments: Readonly<Record<number, number>> | undefined,
): CampaignItem {
  const id = Number(record['id'])
  const content = text(record['content'])
  const link = parseLinkValue(record['listId'], 'X2List')
  const listRecord = link?.id === null || link === null ? undefined : lists.get(link.id)
  const templateLink = parseLinkValue(record['template'], 'Docs')
  const templateId = templateLink?.id ?? null
  const template =
    templateId === null || templateId === 0
      ? null
      : (templates.get(templateId) ?? (templateLink?.name || `Docs ${templateId}`))
  const type = text(record['type']) || 'Email'
  const launch = Number(record['launchDate'])
  const state =
    Number(record['complete']) === 1
      ? 'complete'
      : launch > 0
        ? `launched ${new Date(launch * 1000).toISOString().slice(0, 10)}`
        : Number(record['active']) === 0
          ? 'inactive, not launched'
          : 'not launched'
  const members = listRecord === undefined ? null : Number(listRecord['count'])
  return {
    id,
    name: text(record['name']),
    type,
    subject: text(record['subject']) || null,
    template,
    list:
      link === null
        ? null
        : {
            name: listRecord === undefined ? link.name : text(listRecord['name']),
            id: link.id,
            type: listRecord === undefined ? null : text(listRecord['type']) || null,
            members: members !== null && Number.isFinite(members) ? members : null,
          },
    state,
    contentBytes: Buffer.byteLength(content, 'utf8'),
    links: (content.match(/<a\s[^>]*href\s*=/gi) ?? []).length,
    images: (content.match(/<img\s/gi) ?? []).length,
    mergeFields: mergeFieldsOf(content),
    preview: previewOf(content),
    attachments: attachments === undefined ? null : (attachments[id] ?? 0),
    rebuild:
      type.toLowerCase() === 'email'
        ? `Customer Insights – Journeys: an e-mail (the subject and content above, merge fields as {{contact.…}} personalization) sent by a journey to a segment built from the marketing list${link === null ? '' : ` "${link.name}"`} (x2d365 migrates the list as a marketing list; a static list's members only from the database, source.mysql, which alone has them; a dynamic list is created empty, its rules are below)`
        : `A campaign record with its activities (${type}); the marketing list${link === null ? '' : ` "${link.name}"`} migrates as data`,
  }
}

const TEMPLATE_REBUILD: Readonly<Record<string, string>> = {
  email:
    'A Dataverse e-mail template (Settings → Templates → Email templates) on the matching table; merge fields become dynamic values',
  quote:
    'A Word document template on quote (Settings → Templates → Document templates), or a Power Automate flow that fills a PDF',
  '': 'A document in SharePoint or a knowledge article: plain docs are not templates',
}

function describeTemplate(record: X2crmRecord): TemplateItem {
  const body = text(record['text'])
  const type = text(record['type'])
  return {
    id: Number(record['id']),
    name: text(record['name']),
    type: type || 'doc',
    subject: text(record['subject']) || null,
    bytes: Buffer.byteLength(body, 'utf8'),
    mergeFields: mergeFieldsOf(`${text(record['subject'])} ${body}`),
    rebuild: TEMPLATE_REBUILD[type] ?? `A ${type} template, rebuilt by hand`,
  }
}

/** `{firstName}`, `{associatedContacts.name}`: X2CRM's merge fields, in order of first use. */
function mergeFieldsOf(content: string): string[] {
  return [...new Set([...content.matchAll(/\{([A-Za-z_][\w.]*)\}/g)].map((m) => m[1] ?? ''))]
}

function previewOf(content: string, length = 120): string {
  const plain = htmlToText(content).replace(/\s+/g, ' ').trim()
  return plain.length > length ? `${plain.slice(0, length - 1)}…` : plain
}

function describeFilters(value: unknown, join: string): string[] {
  const filters = arrayOf(value).map((filter) => {
    if (Array.isArray(filter)) return filter.map(show).join(' ')
    const f = asObject(filter)
    const name = text(f['name']) || text(f['attribute']) || text(f['field'])
    const operator = text(f['operator']) || text(f['comparison']) || '='
    return `${name} ${operator} ${show(f['value'])}`.trim()
  })
  return filters.length > 1 ? filters.map((f) => `${join}: ${f}`) : filters
}

function describeOrder(value: unknown): string {
  if (Array.isArray(value)) return value.map(show).join(' ')
  const o = asObject(value)
  return Object.keys(o).length === 0
    ? show(value)
    : `${show(o['name'] ?? o['attribute'])} ${show(o['direction'])}`
}

function describePeriod(settings: Record<string, unknown>): string {
  const filter = text(settings['filter'])
  if (text(settings['filterType']) === 'trailing' && filter) return `the trailing ${filter}`
  const from = show(settings['filterFrom'])
  const to = show(settings['filterTo'])
  return from || to ? `${from || '…'} to ${to || '…'}` : filter
}

/** Markdown text: user-written names and content cannot open tags, links, tables or emphasis. */
export function escapeMarkdown(value: string): string {
  return value
    .replace(/[\\`*_[\]|<>#]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ')
    .trim()
}

function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '')
      .slice(0, 30) || 'stage'
  )
}

function strings(value: unknown): string[] {
  return arrayOf(value)
    .map(show)
    .filter((s) => s !== '')
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

function parseJson(value: string | null): unknown {
  if (value === null || value === '') return null
  try {
    return JSON.parse(value) as unknown
  } catch {
    return null
  }
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : show(value)
}

function show(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value) ?? ''
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {}
}
