import { createHash } from 'node:crypto'
import { createFirstSeen, type FirstSeen } from './first-seen.ts'
import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import { assigneesOf, isGroupId } from '../source/x2crm/normalize/assignment.ts'
import { parseNameId } from '../source/x2crm/normalize/link.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'

/**
 * What x2d365 notices in X2CRM's data and reports without acting on it: the records load as they are. A lead reads
 * these before signing, and decides in X2CRM (merge the duplicates, correct the dates) or accepts them.
 */
export const FINDING_KINDS = [
  /** Two records of a class whose e-mail is equal ignoring case: separate records in X2CRM and in Dataverse. */
  'duplicateEmail',
  /** Two records of a class with the same name and company (contacts: first + last name + company; else name). */
  'duplicateNameCompany',
  /** A creation, update or activity time after the run started. */
  'futureTimestamp',
  /** A private record (visibility 0): in Dataverse it is visible as the owner's security role allows. */
  'privateRecord',
  /** A record visible only to its owner's groups (visibility 2): Dataverse has no such sharing by itself. */
  'groupVisibility',
  /** A record assigned to an X2CRM user who is inactive. */
  'inactiveOwner',
] as const
export type FindingKind = (typeof FINDING_KINDS)[number]

/** One example of a finding: the records it is about (both ids of a duplicate) and what was seen. */
export interface FindingExample {
  sourceKeys: SourceKey[]
  detail: string
}

/** Counts and a few examples per kind; plain data (JSON), for the reports and the map review page. */
export type Findings = Partial<Record<FindingKind, { count: number; examples: FindingExample[] }>>

export interface FindingsCollector {
  /** Looks at one record as it is read. Call once per record (a split class: only where the record is taken). */
  observe(entity: string, record: X2crmRecord): void
  /**
   * Lets go of the keys kept to find duplicates among the records of `entity` (of every class without it): 16 bytes
   * each, some 12 MB at a million contacts and accounts. For when no record of the class will be observed again; one
   * observed later is compared with later ones only.
   */
  forgetKeys(entity?: string): void
  findings(): Findings
}

/** Timestamps X2CRM keeps in unix seconds that a finding checks for the future. */
const TIME_FIELDS = ['createDate', 'lastUpdated', 'lastActivity'] as const

/**
 * Collects findings while a run reads X2CRM. `now` is when the run started (a timestamp after it is in the future);
 * `inactiveUsers` are the usernames of inactive X2CRM users. Duplicates are found within one class, by a short hash of
 * the normalised key (first-seen.ts: 16 bytes per key seen), so memory stays small on large instances. Pure apart from hashing.
 */
export function createFindingsCollector(options: {
  now: Date
  inactiveUsers?: ReadonlySet<string>
  /** Examples kept per kind. @default 5 */
  examples?: number
}): FindingsCollector {
  const limit = options.examples ?? 5
  const nowSeconds = Math.floor(options.now.getTime() / 1000)
  const found: Findings = {}
  // Duplicates are found within a class, so each class keeps its own keys, let go of once it is read.
  const seen = new Map<string, FirstSeen>()
  const note = (kind: FindingKind, example: FindingExample) => {
    const entry = (found[kind] ??= { count: 0, examples: [] })
    entry.count++
    if (entry.examples.length < limit) entry.examples.push(example)
  }
  const duplicate = (kind: FindingKind, entity: string, id: number, key: string, detail: string) => {
    let keys = seen.get(entity)
    if (keys === undefined) seen.set(entity, (keys = createFirstSeen()))
    const first = keys.noteOrGet(createHash('sha256').update(`${kind}:${entity}:${key}`).digest(), id)
    if (first === undefined) return
    note(kind, { sourceKeys: [sourceKeyOf(entity, first), sourceKeyOf(entity, id)], detail })
  }
  return {
    observe(entity, record) {
      const id = Number(record.id)
      if (!Number.isSafeInteger(id) || id <= 0) return
      const key = sourceKeyOf(entity, id)
      const email = text(record['email']).toLowerCase()
      if (email !== '') {
        duplicate('duplicateEmail', entity, id, email, `e-mail ${JSON.stringify(email)} ignoring case`)
      }
      const nameKey = nameAndCompany(record)
      if (nameKey !== undefined) {
        duplicate('duplicateNameCompany', entity, id, nameKey.key, nameKey.detail)
      }
      for (const field of TIME_FIELDS) {
        const seconds = Number(record[field])
        if (Number.isFinite(seconds) && seconds > nowSeconds) {
          note('futureTimestamp', {
            sourceKeys: [key],
            detail: `${field} ${new Date(seconds * 1000).toISOString()} is in the future`,
          })
          break
        }
      }
      const visibility = record['visibility']
      if (visibility !== undefined && visibility !== null && visibility !== '') {
        if (Number(visibility) === 0)
          note('privateRecord', { sourceKeys: [key], detail: 'visibility 0 (private)' })
        if (Number(visibility) === 2)
          note('groupVisibility', { sourceKeys: [key], detail: "visibility 2 (the owner's groups only)" })
      }
      const inactive = options.inactiveUsers
      if (inactive !== undefined && inactive.size > 0) {
        const owner = assigneesOf(text(record['assignedTo'])).find((a) => !isGroupId(a) && inactive.has(a))
        if (owner !== undefined)
          note('inactiveOwner', { sourceKeys: [key], detail: `assigned to ${owner}, inactive in X2CRM` })
      }
    },
    forgetKeys(entity) {
      if (entity === undefined) seen.clear()
      else seen.delete(entity)
    },
    findings: () => found,
  }
}

/** The key two records of a class share when they are likely the same: contacts by names + company, others by name. */
function nameAndCompany(record: X2crmRecord): { key: string; detail: string } | undefined {
  const first = text(record['firstName'])
  const last = text(record['lastName'])
  const companyText = text(record['company'])
  const company = (companyText === '' ? '' : parseNameId(companyText).name).toLowerCase()
  if (first !== '' || last !== '') {
    const name = `${first} ${last}`.trim()
    return {
      key: `${name.toLowerCase()}|${company}`,
      detail: `name ${JSON.stringify(name)}${company === '' ? '' : ` at ${JSON.stringify(companyText)}`}`,
    }
  }
  const name = text(record['name'])
  if (name === '') return undefined
  return { key: `${name.toLowerCase()}|${company}`, detail: `name ${JSON.stringify(name)}` }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : ''
}

/** Two findings added (a resumed run's parts, validate's phases): counts summed, examples kept up to `limit`. */
export function mergeFindings(a: Findings, b: Findings, limit = 5): Findings {
  const merged: Findings = { ...a }
  for (const kind of FINDING_KINDS) {
    const more = b[kind]
    if (more === undefined) continue
    const have = merged[kind]
    merged[kind] =
      have === undefined
        ? more
        : { count: have.count + more.count, examples: [...have.examples, ...more.examples].slice(0, limit) }
  }
  return merged
}
