import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunInfo } from '../ledger/ledger.ts'
import type { Samples } from '../mapping/propose-mapping.ts'
import { gatherInventory, type InventoryReaders } from '../report/gather-inventory.ts'
import type { DatabaseOnlyReaders } from '../source/x2crm/mysql/source.ts'
import type { X2crmCatalog, X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import { candidatePaths, SYSTEM_ASSET_TYPES } from '../source/x2crm/uploads/locate.ts'
import type { Discovery } from './discover.ts'
import {
  DEFAULT_MAX_UPLOAD_BYTES,
  measuredThroughput,
  type AttachmentVolume,
  type ScopeFacts,
} from './scope-report.ts'

export interface MeasureScopeDeps {
  source: Pick<X2crmSource, 'count' | 'records' | 'users'> & Partial<Pick<X2crmCatalog, 'models'>>
  /** The database readers, when source.mysql is configured. */
  database?: InventoryReaders & Pick<DatabaseOnlyReaders, 'flows'>
  /** The ledger's runs, newest first: a succeeded migrate run gives a measured throughput. */
  runs: () => Promise<RunInfo[]>
  now: () => Date
}

export interface MeasureScopeOptions {
  /** A copy of the server's uploads/ folder: attachment sizes are read from the files. */
  uploadsDir?: string
  appUsers: number
  batchSize: number
  /** The window of changes counted for the delta estimate. @default 7 */
  recentDays?: number
  /** @default DEFAULT_MAX_UPLOAD_BYTES */
  maxUploadBytes?: number
  /** Records sampled per class for the mapping-clarity factor. @default 200 */
  sampleSize?: number
}

/** Classes API v2 serves on a stock X2CRM 7.1 (recorded `GET api2/models`); any other is a custom module. */
const STOCK_CLASSES = new Set([
  'Accounts',
  'Actions',
  'BugReports',
  'X2List',
  'Contacts',
  'Docs',
  'Groups',
  'X2Leads',
  'Campaign',
  'Media',
  'Opportunity',
  'Product',
  'Quote',
  'Services',
])

/**
 * Measures what the scope report needs beyond the discovery: changes of the last days (the delta's size), the
 * attachment volume, custom modules, the inventory of what to rebuild, X2Flow counts and the ledger's measured
 * throughput. Each part that cannot be read is reported as such; none stops discovery.
 */
export async function measureScope(
  discovery: Discovery,
  deps: MeasureScopeDeps,
  options: MeasureScopeOptions,
): Promise<ScopeFacts> {
  const days = options.recentDays ?? 7
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES
  const facts: ScopeFacts = {
    source: deps.database === undefined ? 'api' : 'database',
    target: { appUsers: options.appUsers, batchSize: options.batchSize, maxUploadBytes },
  }

  const since = Math.floor(deps.now().getTime() / 1000) - days * 86_400
  try {
    const counts: Record<string, number> = {}
    for (const entity of Object.keys(discovery.counts)) {
      counts[entity] = await deps.source.count(entity, { lastUpdated: `>${since}` })
    }
    facts.recentChanges = { days, counts }
  } catch (error) {
    facts.recentChanges = { unreadable: `counting recent changes failed: ${messageOf(error)}` }
  }

  try {
    facts.attachments = await measureAttachments(deps.source.records('Media'), {
      ...(options.uploadsDir !== undefined && { uploadsDir: options.uploadsDir }),
      maxUploadBytes,
    })
  } catch (error) {
    facts.attachments = { unreadable: `reading Media failed: ${messageOf(error)}` }
  }

  facts.samples = await sampleRecords(deps.source, discovery.counts, options.sampleSize ?? 200)
  facts.customModules = await customModules(deps)
  facts.inventory = await gatherInventory({
    source: deps.source,
    ...(deps.database !== undefined && { database: deps.database }),
  })
  if (deps.database !== undefined) {
    let flows = 0
    let activeFlows = 0
    for await (const flow of deps.database.flows()) {
      flows++
      if (Number(flow.active) === 1) activeFlows++
    }
    facts.automation = { flows, activeFlows }
  }
  const throughput = measuredThroughput(await deps.runs())
  if (throughput !== undefined) facts.throughput = throughput
  return facts
}

/** The first records of each class that has some; a class that cannot be listed gets no sample. */
async function sampleRecords(
  source: Pick<X2crmSource, 'records'>,
  counts: Readonly<Record<string, number>>,
  size: number,
): Promise<Samples> {
  const samples: Record<string, X2crmRecord[]> = {}
  for (const [entity, count] of Object.entries(counts)) {
    if (count === 0 || size === 0) continue
    const rows: X2crmRecord[] = []
    try {
      for await (const record of source.records(entity, { pageSize: Math.min(size, 1000) })) {
        rows.push(record)
        if (rows.length >= size) break
      }
    } catch {
      // The proposal then judges this class by names and types alone, as `map propose` does.
    }
    samples[entity] = rows
  }
  return samples
}

async function customModules(deps: MeasureScopeDeps): Promise<string[]> {
  if (deps.database !== undefined) {
    const custom: string[] = []
    for await (const module of deps.database.modules()) {
      // A custom module's class is its module name, capitalized (api.md §2.1).
      if (Number(module.custom) === 1 && (module.moduleType ?? 'module') === 'module')
        custom.push(module.name.charAt(0).toUpperCase() + module.name.slice(1))
    }
    return custom
  }
  if (deps.source.models === undefined) return []
  try {
    return (await deps.source.models()).map((m) => m.modelName).filter((name) => !STOCK_CLASSES.has(name))
  } catch {
    return []
  }
}

/**
 * Counts attachment files and their bytes: sizes from the uploads folder when one is given (x2_media.filesize when a
 * file is not there), else from the records. X2CRM's own assets are left out; Drive files are counted apart.
 */
export async function measureAttachments(
  media: AsyncIterable<X2crmRecord>,
  options: { uploadsDir?: string; maxUploadBytes: number },
): Promise<AttachmentVolume> {
  const volume: AttachmentVolume = {
    files: 0,
    bytes: 0,
    overLimit: [],
    drive: 0,
    missing: 0,
    from: options.uploadsDir === undefined ? 'media records' : 'uploads folder',
  }
  for await (const record of media) {
    const associationType = typeof record['associationType'] === 'string' ? record['associationType'] : ''
    if (SYSTEM_ASSET_TYPES.has(associationType)) continue
    if (Number(record['drive']) === 1) {
      volume.drive++
      continue
    }
    const fileName = typeof record['fileName'] === 'string' ? record['fileName'] : ''
    let size = Number(record['filesize']) || 0
    if (options.uploadsDir !== undefined) {
      const onDisk = await sizeOnDisk(options.uploadsDir, record, fileName)
      if (onDisk === undefined) volume.missing++
      else size = onDisk
    }
    volume.files++
    volume.bytes += size
    if (base64Length(size) > options.maxUploadBytes) {
      volume.overLimit.push({ mediaId: Number(record['id']), fileName, bytes: size })
    }
  }
  volume.overLimit.sort((a, b) => b.bytes - a.bytes)
  return volume
}

async function sizeOnDisk(dir: string, record: X2crmRecord, fileName: string): Promise<number | undefined> {
  if (fileName === '') return undefined
  const uploadedBy = typeof record['uploadedBy'] === 'string' ? record['uploadedBy'] : null
  for (const path of candidatePaths(uploadedBy, fileName) ?? []) {
    try {
      const info = await stat(join(dir, path))
      if (info.isFile()) return info.size
    } catch {
      // Not at this path; try the next.
    }
  }
  return undefined
}

function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3)
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
