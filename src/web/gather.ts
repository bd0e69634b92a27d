import type { Discovery } from '../discover/discover.ts'
import type { X2crmRecord, X2crmSource } from '../source/x2crm/types.ts'
import type { DataverseTarget } from '../target/dataverse/types.ts'
import { sampleFields, type FieldSample } from './field-samples.ts'

/** An X2CRM user or group who owns records, as the owners section shows it. */
export interface OwnerRow {
  /** What records' `assignedTo` holds: the username, or the group's id. */
  key: string
  kind: 'user' | 'group'
  name: string
  email: string | null
  active: boolean
  records: number
}

export interface DataverseUserRow {
  id: string
  email: string
  name: string
  disabled: boolean
}

/** Everything the review page shows besides mapping.yaml and users.yaml, read once when the command starts. */
export interface ReviewData {
  discovery: Discovery
  /** X2CRM class → field → a sample of its values. */
  samples: Record<string, Record<string, FieldSample>>
  /** Every record of each class with a split, reduced to its short values (what split rules test), for live counts. */
  splitRecords: Record<string, X2crmRecord[]>
  owners: OwnerRow[]
  dataverseUsers: DataverseUserRow[]
  teams: { id: string; name: string }[]
  /** `run.defaultOwnerEmail` of the config: the default owner when users.yaml names none, as `x2d365 users` does. */
  defaultOwnerEmail?: string
}

export interface GatherOptions {
  discovery: Discovery
  /** X2CRM classes of the map, and which of them have a split. */
  entities: readonly string[]
  splitEntities: readonly string[]
  /** Classes whose records have an owner (an `owner` line), to count records per owner. */
  ownedEntities: readonly string[]
  /** Records per class for the sample values. @default 200 */
  sampleSize?: number
}

/** Values longer than this are left out of the records kept for split counts: rules test short values. */
const SPLIT_VALUE_MAX = 100

/**
 * Reads what the page needs from X2CRM and Dataverse: sample values per class, every record of a split class, the
 * owners with their record counts (users, and groups when X2CRM lists them), Dataverse users and teams.
 */
export async function gatherReviewData(
  options: GatherOptions,
  deps: {
    source: Pick<X2crmSource, 'records' | 'count' | 'users'>
    target: Pick<DataverseTarget, 'query'>
  },
): Promise<ReviewData> {
  const size = options.sampleSize ?? 200
  const samples: ReviewData['samples'] = {}
  const splitRecords: ReviewData['splitRecords'] = {}
  for (const entity of options.entities) {
    const whole = options.splitEntities.includes(entity)
    const sample: X2crmRecord[] = []
    const kept: X2crmRecord[] = []
    try {
      for await (const record of deps.source.records(entity, {
        pageSize: whole ? 1000 : Math.min(size, 1000),
      })) {
        if (sample.length < size) sample.push(record)
        if (whole) kept.push(shortValues(record))
        else if (sample.length >= size) break
      }
    } catch {
      // A class X2CRM cannot list shows no sample values; its lines are still reviewed.
    }
    samples[entity] = sampleFields(sample)
    if (whole) splitRecords[entity] = kept
  }
  return {
    discovery: options.discovery,
    samples,
    splitRecords,
    owners: await readOwners(options.ownedEntities, deps.source),
    dataverseUsers: await readDataverseUsers(deps.target),
    teams: await readTeams(deps.target),
  }
}

function shortValues(record: X2crmRecord): X2crmRecord {
  return Object.fromEntries(
    Object.entries(record).filter(([, v]) => typeof v !== 'string' || v.length <= SPLIT_VALUE_MAX),
  )
}

async function readOwners(
  entities: readonly string[],
  source: Pick<X2crmSource, 'records' | 'count' | 'users'>,
): Promise<OwnerRow[]> {
  const countOf = async (key: string) => {
    let total = 0
    for (const entity of entities) total += await source.count(entity, { assignedTo: key }).catch(() => 0)
    return total
  }
  const rows: OwnerRow[] = []
  for (const user of await source.users()) {
    rows.push({
      key: user.username,
      kind: 'user',
      name: `${user.firstName ?? ''} ${user.lastName ?? ''}`.trim() || user.username,
      email: user.emailAddress,
      active: user.status === 1,
      records: await countOf(user.username),
    })
  }
  try {
    for await (const group of source.records('Groups')) {
      const key = String(group['id'])
      const name = typeof group['name'] === 'string' ? group['name'] : `group ${key}`
      rows.push({ key, kind: 'group', name, email: null, active: true, records: await countOf(key) })
    }
  } catch {
    // An X2CRM whose API does not list groups: owners are its users only.
  }
  return rows.sort((a, b) => b.records - a.records || a.key.localeCompare(b.key))
}

async function readDataverseUsers(target: Pick<DataverseTarget, 'query'>): Promise<DataverseUserRow[]> {
  const rows: DataverseUserRow[] = []
  for await (const row of target.query('systemusers', {
    select: ['systemuserid', 'internalemailaddress', 'fullname', 'isdisabled'],
  })) {
    const email = typeof row['internalemailaddress'] === 'string' ? row['internalemailaddress'] : ''
    if (email === '') continue
    rows.push({
      id: String(row['systemuserid']),
      email,
      name: typeof row['fullname'] === 'string' ? row['fullname'] : email,
      disabled: row['isdisabled'] === true,
    })
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name))
}

async function readTeams(target: Pick<DataverseTarget, 'query'>): Promise<{ id: string; name: string }[]> {
  const rows: { id: string; name: string }[] = []
  try {
    for await (const row of target.query('teams', { select: ['teamid', 'name'] })) {
      if (typeof row['name'] === 'string') rows.push({ id: String(row['teamid']), name: row['name'] })
    }
  } catch {
    // No teams readable (a security role without read on team): owners map to users only.
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name))
}
