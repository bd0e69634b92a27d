import type { DatabaseOnlyReaders } from '../source/x2crm/mysql/source.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import {
  buildInventory,
  NOT_IN_API,
  type Inventory,
  type InventoryInput,
  type InventoryKind,
  type ProcessInput,
} from './inventory.ts'

/** The database readers the inventory uses (a `MysqlSource` has them all). */
export type InventoryReaders = Pick<
  DatabaseOnlyReaders,
  | 'reports'
  | 'listCriteria'
  | 'charts'
  | 'widgetLayouts'
  | 'modules'
  | 'workflows'
  | 'workflowStages'
  | 'stageHistory'
  | 'campaignAttachments'
>

export interface InventorySources {
  /** Campaign, X2List and Docs records: from API v2 or the database, whichever the run uses. */
  source: Pick<X2crmSource, 'records' | 'users'>
  /** The database, when one is configured: the only place reports, charts, layouts and processes are. */
  database?: InventoryReaders
}

/**
 * Reads what the inventory describes, from the database when there is one and otherwise from API v2 (campaigns and
 * templates only; the rest is listed as unreadable, saying what the database would give). A class the API refuses
 * is unreadable with the API's message; nothing here stops the caller.
 */
export async function gatherInventory(sources: InventorySources): Promise<Inventory> {
  const unreadable: Partial<Record<InventoryKind, string>> = {}
  const input: InventoryInput = { unreadable }
  const records = async (entity: string, kind: InventoryKind): Promise<X2crmRecord[] | undefined> => {
    try {
      return await collect(sources.source.records(entity))
    } catch (error) {
      unreadable[kind] = `reading ${entity} failed: ${error instanceof Error ? error.message : String(error)}`
      return undefined
    }
  }
  const campaigns = await records('Campaign', 'campaigns')
  if (campaigns !== undefined) input.campaigns = campaigns
  const templates = await records('Docs', 'templates')
  if (templates !== undefined) input.templates = templates
  {
    try {
      input.lists = await collect(sources.source.records('X2List'))
    } catch {
      // Without the lists a campaign names its list by the link's text, and no dynamic list is described.
    }
  }

  const db = sources.database
  if (db === undefined) {
    for (const kind of ['reports', 'charts', 'dashboards', 'processes'] as const)
      unreadable[kind] = NOT_IN_API[kind]
    return buildInventory(input)
  }
  input.reports = (await collect(db.reports())).map((r) => ({
    id: r.id,
    name: r.name,
    type: r.type,
    settings: r.settings,
    dataWidgetLayout: r.dataWidgetLayout,
    createdBy: r.createdBy,
  }))
  input.charts = (await collect(db.charts())).map((c) => ({
    id: c.id,
    name: c.name,
    reportId: c.reportId,
    type: c.type,
    settings: c.settings,
  }))
  const users = new Map((await sources.source.users()).map((u) => [u.id, u.username]))
  input.layouts = (await collect(db.widgetLayouts())).map((l) => ({
    id: l.id,
    owner: users.get(l.recordId) ?? `user ${l.recordId}`,
    layout: l.embeddedModelName,
    settings: l.settings,
  }))
  const attachments: Record<number, number> = {}
  for await (const row of db.campaignAttachments()) {
    if (row.campaign !== null) attachments[row.campaign] = (attachments[row.campaign] ?? 0) + 1
  }
  input.campaignAttachments = attachments
  input.listCriteria = (await collect(db.listCriteria())).map((c) => ({
    listId: c.listId,
    attribute: c.attribute,
    comparison: c.comparison,
    value: c.value,
  }))
  input.processes = await readProcesses(db)
  return buildInventory(input)
}

async function readProcesses(db: InventoryReaders): Promise<ProcessInput[]> {
  const workflows = await collect(db.workflows())
  if (workflows.length === 0) return []
  const defaultFor = new Map<number, string[]>()
  for await (const module of db.modules()) {
    if (module.defaultWorkflow === null) continue
    defaultFor.set(module.defaultWorkflow, [...(defaultFor.get(module.defaultWorkflow) ?? []), module.name])
  }
  // Records per process and association type: each record once, however many stages it went through.
  const seen = new Map<number, Map<string, Set<number>>>()
  for await (const row of db.stageHistory()) {
    if (row.workflowId === null || row.associationType === null || row.associationId === null) continue
    const byType = seen.get(row.workflowId) ?? new Map<string, Set<number>>()
    seen.set(row.workflowId, byType)
    const ids = byType.get(row.associationType) ?? new Set<number>()
    byType.set(row.associationType, ids)
    ids.add(row.associationId)
  }
  const processes: ProcessInput[] = []
  for (const workflow of workflows) {
    const stages = await collect(db.workflowStages(workflow.id))
    processes.push({
      id: workflow.id,
      name: workflow.name,
      isDefault: Number(workflow.isDefault) === 1,
      financial: Number(workflow.financial) === 1,
      financialModel: workflow.financialModel,
      stages,
      defaultFor: defaultFor.get(workflow.id) ?? [],
      recordsByType: Object.fromEntries(
        [...(seen.get(workflow.id) ?? new Map<string, Set<number>>())].map(([type, ids]) => [type, ids.size]),
      ),
    })
  }
  return processes
}

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const row of rows) out.push(row)
  return out
}
